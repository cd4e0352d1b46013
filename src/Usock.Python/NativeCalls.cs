using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Usock.Python;

/// <summary>
/// The data path, called from Python through ctypes function pointers: a socket handle, a pointer to the
/// Python buffer (a <c>bytes</c> object's own memory, or a reusable <c>bytearray</c>) and a length. No
/// conversion and no copy on the way in; ctypes releases the GIL around the call. Every entry returns a count
/// (0 or more), <see cref="None"/>, <see cref="Error"/> (the exception waits in <see cref="TakeError"/>) or
/// <see cref="Interrupted"/> (Ctrl-C on the main thread).
/// </summary>
public static unsafe class NativeCalls
{
    /// <summary>The call would block (non-blocking stream read or write): Python's <c>None</c>.</summary>
    public const long None = -1;

    /// <summary>The call failed; <see cref="TakeError"/> has the exception.</summary>
    public const long Error = -2;

    /// <summary>Ctrl-C ended the call on the script's main thread.</summary>
    public const long Interrupted = -3;

    [ThreadStatic]
    private static Exception? t_error;

    private static int s_toldStreamLimit;

    [ThreadStatic]
    private static Address? t_from;

    [ThreadStatic]
    private static (nint Host, long HostLength, long Port) t_to;

    internal static Address LastFrom => t_from ?? new Address("0.0.0.0", 0);

    internal static Exception? TakeError()
    {
        Exception? e = t_error;
        t_error = null;
        return e;
    }

    internal static long Address(string name) => name switch
    {
        "send" => (long)(delegate* unmanaged<long, byte*, long, long>)&Send,
        "sendall" => (long)(delegate* unmanaged<long, byte*, long, long>)&SendAll,
        "recv" => (long)(delegate* unmanaged<long, byte*, long, long>)&Recv,
        "readinto" => (long)(delegate* unmanaged<long, byte*, long, long>)&ReadInto,
        "write" => (long)(delegate* unmanaged<long, byte*, long, long>)&Write,
        "readline" => (long)(delegate* unmanaged<long, byte*, long, long>)&ReadLine,
        "recvfrom" => (long)(delegate* unmanaged<long, byte*, long, long>)&RecvFrom,
        "getsocketsta" => (long)(delegate* unmanaged<long, byte*, long, long>)&GetSocketSta,
        "settimeout" => (long)(delegate* unmanaged<long, byte*, long, long>)&SetTimeout,
        "sendto" => (long)(delegate* unmanaged<long, byte*, long, byte*, long, long, long>)&SendTo,
        _ => throw new ArgumentException($"no entry point '{name}'", nameof(name)),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static USocket Of(long handle) => (USocket)GCHandle.FromIntPtr(new IntPtr(handle)).Target!;

    // Every data call, once: Ctrl-C's bookkeeping around it (a call entered while Ctrl-C is pending ends at once),
    // and its exception kept for TakeError. The call is a managed function pointer: no delegate, no allocation.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Run(long h, byte* p, long n, delegate*<USocket, byte*, int, long> call)
    {
        USocket s = Of(h);
        if (!ScriptInterrupt.Enter(s))
        {
            return Interrupted;
        }

        try
        {
            return call(s, p, checked((int)n));
        }
        catch (Exception e)
        {
            return Fail(e);
        }
        finally
        {
            ScriptInterrupt.Leave();
        }
    }

    [UnmanagedCallersOnly]
    private static long Send(long h, byte* p, long n) => Run(h, p, n, &SendOnce);

    [UnmanagedCallersOnly]
    private static long SendAll(long h, byte* p, long n) => Run(h, p, n, &SendEverything);

    [UnmanagedCallersOnly]
    private static long Recv(long h, byte* p, long n) => Run(h, p, n, &RecvOnce);

    [UnmanagedCallersOnly]
    private static long ReadInto(long h, byte* p, long n) => Run(h, p, n, &ReadIntoBuffer);

    [UnmanagedCallersOnly]
    private static long Write(long h, byte* p, long n) => Run(h, p, n, &WriteBuffer);

    [UnmanagedCallersOnly]
    private static long ReadLine(long h, byte* p, long n) => Run(h, p, n, &ReadOneLine);

    [UnmanagedCallersOnly]
    private static long RecvFrom(long h, byte* p, long n) => Run(h, p, n, &RecvDatagram);

    [UnmanagedCallersOnly]
    private static long SendTo(long h, byte* p, long n, byte* host, long hostLength, long port)
    {
        // The destination travels beside the call (one thread, one call at a time on it), read inside it.
        t_to = ((nint)host, hostLength, port);
        return Run(h, p, n, &SendDatagram);
    }

    private static long SendOnce(USocket s, byte* p, int n) =>
        Network.DeviceNetwork.Current is { } net && s.Type == USocket.SOCK_DGRAM && net.SendToPeer(s, new ReadOnlySpan<byte>(p, n))
            ? n : s.Send(new ReadOnlySpan<byte>(p, n));

    private static long SendEverything(USocket s, byte* p, int n)
    {
        NotRelayedStream(s, "sendall");
        s.SendAll(new ReadOnlySpan<byte>(p, n));
        return 0;
    }

    // Under --network a datagram socket's traffic goes through its relay with a header naming the real peer: only
    // send, sendto, recv and recvfrom know it. The stream methods say so instead of handing over the header.
    private static void NotRelayedStream(USocket s, string method)
    {
        if (s.Type == USocket.SOCK_DGRAM && Network.DeviceNetwork.Current?.RelayOf(s) is not null)
        {
            // The program sees the device's OSError(95); the reason goes to stderr, once.
            if (Interlocked.Exchange(ref s_toldStreamLimit, 1) == 0)
            {
                Console.Error.WriteLine($"usock: --network: a datagram socket's {method}() is not relayed (OSError 95): use send/sendto/recv/recvfrom");
            }

            throw new UsocketException(Errno.EOPNOTSUPP);
        }
    }

    private static long RecvOnce(USocket s, byte* p, int n) =>
        s.Type == USocket.SOCK_DGRAM && Network.DeviceNetwork.Current?.RelayOf(s) is not null ? RecvDatagram(s, p, n) : s.RecvInto(new Span<byte>(p, n));

    private static long ReadIntoBuffer(USocket s, byte* p, int n)
    {
        NotRelayedStream(s, "readinto");
        return s.ReadInto(new Span<byte>(p, n)) ?? None;
    }

    private static long WriteBuffer(USocket s, byte* p, int n)
    {
        NotRelayedStream(s, "write");
        return s.Write(new ReadOnlySpan<byte>(p, n)) ?? None;
    }

    private static long ReadOneLine(USocket s, byte* p, int n)
    {
        NotRelayedStream(s, "readline");
        byte[]? line = s.ReadLine();
        if (line is null)
        {
            return None;
        }

        if (line.Length > n)
        {
            throw new UsocketException(Errno.ENOBUFS, "line longer than the buffer");
        }

        line.CopyTo(new Span<byte>(p, n));
        return line.Length;
    }

    private static long RecvDatagram(USocket s, byte* p, int n)
    {
        if (Network.DeviceNetwork.Current?.RelayOf(s) is not null)
        {
            // Relayed: the datagram comes behind a header that names its real sender.
            (byte[] relayed, _) = s.RecvFrom(n + Network.DatagramRelay.HeaderRoom);
            (int length, string sender, int senderPort) = Network.DatagramRelay.Strip(relayed, n);
            relayed.AsSpan(0, length).CopyTo(new Span<byte>(p, n));
            t_from = new Address(sender, senderPort);
            return length;
        }

        (byte[] bytes, (string host, int port)) = s.RecvFrom(n);
        bytes.CopyTo(new Span<byte>(p, n));
        t_from = new Address(host, port);
        return bytes.Length;
    }

    private static long SendDatagram(USocket s, byte* p, int n)
    {
        (nint host, long hostLength, long port) = t_to;
        string name = Encoding.UTF8.GetString((byte*)host, checked((int)hostLength));
        if (Network.DeviceNetwork.Current is { } net)
        {
            return net.SendDatagram(s, new ReadOnlySpan<byte>(p, n), name, ResolveTable.Map(name, checked((int)port)));
        }

        return s.SendTo(new ReadOnlySpan<byte>(p, n), ResolveTable.Map(name, checked((int)port)));
    }

    /// <summary><c>getsocketsta()</c>: the TCP state, -1 after close (never fails).</summary>
    [UnmanagedCallersOnly]
    private static long GetSocketSta(long h, byte* p, long n)
    {
        try
        {
            return Of(h).GetSocketSta() + 1; // shifted by one: -1 would read as None
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary><c>settimeout(t)</c> with <paramref name="n"/> in nanoseconds; negative means <c>None</c>.</summary>
    [UnmanagedCallersOnly]
    private static long SetTimeout(long h, byte* p, long n)
    {
        try
        {
            Of(h).SetTimeout(n < 0 ? null : n / 1e9);
            return 0;
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    private static long Fail(Exception e)
    {
        if (ScriptInterrupt.PendingHere)
        {
            return Interrupted;
        }

        t_error = e;
        return Error;
    }
}
