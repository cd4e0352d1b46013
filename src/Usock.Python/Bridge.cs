using System.Runtime.InteropServices;

namespace Usock.Python;

/// <summary>
/// The members the embedded Python modules call (through pythonnet) for everything but the data path: they take
/// and return plain .NET values, and the Python side (<c>usocket.py</c>, <c>uselect.py</c>) converts. The data
/// path goes through <see cref="NativeCalls"/>, whose entry points Python calls with ctypes. Blocking members
/// here run with the GIL released (pythonnet releases it around every .NET call) and never touch Python objects.
/// </summary>
public static partial class Bridge
{
    private static readonly Dictionary<USocket, long> Handles = new(ReferenceEqualityComparer.Instance);

    /// <summary>A new socket, as <c>usocket.socket(af, type, proto)</c>, with the device profile.</summary>
    /// <returns>The socket.</returns>
    public static USocket Create(int af, int type, int proto) => new(af, type, proto);

    /// <summary>A handle for <see cref="NativeCalls"/>: the socket stays alive until <see cref="Free"/>.</summary>
    /// <returns>The handle, never 0.</returns>
    public static long Handle(USocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        long h = GCHandle.ToIntPtr(GCHandle.Alloc(socket)).ToInt64();
        lock (Handles)
        {
            Handles[socket] = h;
        }

        return h;
    }

    /// <summary>Closes the socket behind a handle and frees the handle (the Python object was collected).</summary>
    public static void Free(long handle)
    {
        var gc = GCHandle.FromIntPtr(new IntPtr(handle));
        if (gc.Target is USocket s)
        {
            lock (Handles)
            {
                Handles.Remove(s);
            }

            s.Close();
        }

        gc.Free();
    }

    /// <summary>The address of a data-path entry point (see <see cref="NativeCalls"/>), for ctypes.</summary>
    /// <returns>The function pointer.</returns>
    public static long Entry(string name) => NativeCalls.Address(name);

    /// <summary>The error behind the last data-path call on this thread that returned <see cref="NativeCalls.Error"/>.</summary>
    /// <returns>The exception, or <c>null</c>.</returns>
    public static Exception? TakeError() => Network.DeviceNetwork.Current is { } net ? net.Errored(NativeCalls.TakeError()) : NativeCalls.TakeError();

    /// <summary>The sender of the last <c>recvfrom</c> on this thread.</summary>
    /// <returns>Its address.</returns>
    public static Address LastFrom()
    {
        Address a = NativeCalls.LastFrom;
        (string h, int p) = ResolveTable.Unmap(a.Host, a.Port);
        return ReferenceEquals(h, a.Host) && p == a.Port ? a : new Address(h, p);
    }

    /// <summary>Marks a pending Ctrl-C as seen; true for the one caller that should raise KeyboardInterrupt.</summary>
    /// <returns>Whether to raise.</returns>
    public static bool TryConsumeInterrupt() => ScriptInterrupt.TryConsume();

    /// <summary>Adds a <c>--resolve NAME:PORT=ADDR:PORT</c> entry.</summary>
    public static void AddResolve(string entry) => ResolveTable.Add(entry);

    /// <summary><c>getaddrinfo(host, port)</c>, with <c>--resolve</c> entries answered first.</summary>
    /// <returns>The entries.</returns>
    public static AddrInfo[] GetAddrInfo(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        Network.DeviceNetwork.Current?.CheckLookup(host);
        (string mappedHost, int mappedPort) = ResolveTable.Map(host, port);
        if (!ReferenceEquals(mappedHost, host) || mappedPort != port)
        {
            AddrInfo a = USocket.GetAddrInfo(mappedHost, mappedPort)[0];
            return [a with { CanonName = host }];
        }

        return [.. USocket.GetAddrInfo(host, port)];
    }

    /// <summary><c>connect((host, port))</c>, with <c>--resolve</c> entries applied; Ctrl-C wakes it.</summary>
    public static void Connect(USocket socket, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(socket);
        (string h, int p) = ResolveTable.Map(host, port);
        Network.DeviceNetwork.Current?.Mark("connect"); // a scenario may start its clock here ('start on connect')
        if (Network.DeviceNetwork.Current is { } net && socket.Type == USocket.SOCK_STREAM)
        {
            net.Connect(socket, host, (h, p), call => Blocking(socket, call));
            return;
        }

        if (Network.DeviceNetwork.Current is { } dnet && socket.Type == USocket.SOCK_DGRAM)
        {
            dnet.ConnectDatagram(socket, host, (h, p));
            return;
        }

        Blocking(socket, () => socket.Connect((h, p)));
    }

    /// <summary><c>accept()</c>; Ctrl-C wakes it.</summary>
    /// <returns>The connection and the client's address.</returns>
    public static Accepted Accept(USocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Accepted? result = null;
        Blocking(socket, () =>
        {
            (USocket conn, string host, int port) = socket.Accept();
            result = new Accepted(conn, host, port);
        });
        return result!;
    }

    /// <summary><c>bind((host, port))</c>, with <c>--map-port</c> entries applied.</summary>
    public static void Bind(USocket socket, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (Network.DeviceNetwork.Current is { } net && socket.Type == USocket.SOCK_DGRAM)
        {
            net.BindDatagram(socket, (host, PortMap.Map(port)));
            return;
        }

        socket.Bind((host, PortMap.Map(port)));
    }

    /// <summary>Adds a <c>--map-port PORT=HOSTPORT</c> entry.</summary>
    public static void AddPortMap(string entry) => PortMap.Add(entry);

    /// <summary><c>setsockopt(level, optname, bytes)</c>.</summary>
    public static void SetSockOptBytes(USocket socket, int level, int optname, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.SetSockOpt(level, optname, value);
        if (value.Length == sizeof(int))
        {
            Network.DeviceNetwork.Current?.NoteOption(socket, optname, BitConverter.ToInt32(value));
        }
    }

    /// <summary><c>setsockopt(level, optname, int)</c>; the device's network notes a keepalive (NAT idle time).</summary>
    public static void SetSockOpt(USocket socket, int level, int optname, int value)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.SetSockOpt(level, optname, value);
        Network.DeviceNetwork.Current?.NoteOption(socket, optname, value);
    }

    /// <summary><c>getsockname()</c> (an extension).</summary>
    /// <returns>The local address.</returns>
    public static Address GetSockName(USocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        (string h, int p) = socket.GetSockName();
        if (Network.DeviceNetwork.Current?.RelayOf(socket) is { } relay)
        {
            return new Address(relay.Outer.Address.IsIPv4MappedToIPv6 ? relay.Outer.Address.MapToIPv4().ToString() : relay.Outer.Address.ToString(), relay.Outer.Port);
        }

        return new Address(h, p);
    }

    /// <summary><c>getpeername()</c> (an extension).</summary>
    /// <returns>The peer's address.</returns>
    public static Address GetPeerName(USocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (Network.DeviceNetwork.Current?.PeerOf(socket) is { } relayed)
        {
            if (socket.Type == USocket.SOCK_DGRAM)
            {
                socket.GetSockName(); // raises 9 when closed; the relay holds the peer, the socket is not connected
                return relayed;
            }

            socket.GetPeerName(); // still raises what the socket would (closed, not connected)
            return relayed;
        }

        (string h, int p) = socket.GetPeerName();
        return new Address(h, p);
    }

    /// <summary>The host's first non-loopback IPv4 address, for <c>dataCall.getInfo</c> (no traffic: read from
    /// the interfaces), or 127.0.0.1.</summary>
    /// <returns>The address as text.</returns>
    public static string HostAddress()
    {
        foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != System.Net.NetworkInformation.OperationalStatus.Up)
            {
                continue;
            }

            foreach (var a in nic.GetIPProperties().UnicastAddresses)
            {
                if (a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a.Address))
                {
                    return a.Address.ToString();
                }
            }
        }

        return "127.0.0.1";
    }

    /// <summary><c>settimeout(seconds)</c>; a negative value means <c>None</c> (block forever).</summary>
    public static void SetTimeout(USocket socket, double seconds)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.SetTimeout(seconds < 0 ? null : seconds);
    }

    /// <summary><c>gettimeout()</c>: seconds, or -1 for <c>None</c>.</summary>
    /// <returns>The timeout.</returns>
    public static double GetTimeout(USocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.Timeout ?? -1;
    }

    /// <summary>The clock of the scripts' sleeps and poll timeouts (the sockets keep their own, given by their options).</summary>
    public static TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>A poll over registered sockets: <c>(handle, events)</c> pairs, flattened. Ctrl-C ends it at once (its
    /// wake-up cancels the poll, which writes the poller's wake descriptor); a negative timeout waits until one is ready.</summary>
    /// <returns>handle0, events0, handle1, events1, ...</returns>
    public static long[] Poll(Poller poller, int timeoutMs)
    {
        ArgumentNullException.ThrowIfNull(poller);
        long start = Clock.GetTimestamp();
        while (true)
        {
            if (ScriptInterrupt.PendingHere)
            {
                throw new ScriptInterruptedException();
            }

            int left = timeoutMs < 0 ? -1 : (int)Math.Max(0, timeoutMs - (long)Clock.GetElapsedTime(start).TotalMilliseconds);
            IReadOnlyList<(USocket Socket, int Events)> ready;
            CancellationToken wake = ScriptInterrupt.WakeToken;
            if (wake.IsCancellationRequested)
            {
                // A Ctrl-C the main thread has not taken yet: this thread polls on, briefly, until it has.
                ready = poller.Poll(left < 0 ? 10 : Math.Min(left, 10));
                if (ready.Count == 0 && left != 0)
                {
                    continue;
                }
            }
            else
            {
                try
                {
                    ready = poller.Poll(left, wake);
                }
                catch (OperationCanceledException)
                {
                    continue; // a Ctrl-C: raised above on the main thread; another thread polls on, for what is left
                }
            }

            long[] result = new long[ready.Count * 2];
            lock (Handles)
            {
                for (int i = 0; i < ready.Count; i++)
                {
                    result[2 * i] = Handles.GetValueOrDefault(ready[i].Socket);
                    result[(2 * i) + 1] = ready[i].Events;
                }
            }

            return result;
        }
    }

    /// <summary>Sleeps, as <c>utime.sleep_ms</c>; Ctrl-C on the main thread ends it at once.</summary>
    public static void Sleep(double milliseconds)
    {
        if (milliseconds <= 0)
        {
            Thread.Yield();
            return;
        }

        long start = Clock.GetTimestamp();
        double total = Math.Min(milliseconds, int.MaxValue * 1000.0);
        while (true)
        {
            CancellationToken wake = ScriptInterrupt.WakeToken;
            if (ScriptInterrupt.PendingHere)
            {
                throw new ScriptInterruptedException();
            }

            double left = total - Clock.GetElapsedTime(start).TotalMilliseconds;
            if (left <= 0)
            {
                return;
            }

            try
            {
                Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left)), Clock, wake).GetAwaiter().GetResult();
                return; // slept the whole time
            }
            catch (OperationCanceledException)
            {
                // a Ctrl-C: raised above on the main thread (others sleep on, for what is left)
            }
        }
    }

    private static void Blocking(USocket socket, Action call)
    {
        if (!ScriptInterrupt.Enter(socket))
        {
            throw new ScriptInterruptedException();
        }

        try
        {
            call();
        }
        catch (UsocketException) when (ScriptInterrupt.PendingHere)
        {
            throw new ScriptInterruptedException();
        }
        finally
        {
            ScriptInterrupt.Leave();
        }
    }
}

/// <summary>What <see cref="Bridge.Accept"/> returns: <c>(conn, ip, port)</c>.</summary>
/// <param name="Conn">The connected socket.</param>
/// <param name="Host">The client's IP address.</param>
/// <param name="Port">The client's port.</param>
public sealed record Accepted(USocket Conn, string Host, int Port);

/// <summary>An address, <c>(ip, port)</c>.</summary>
/// <param name="Host">The IP address.</param>
/// <param name="Port">The port.</param>
public sealed record Address(string Host, int Port);

/// <summary>Ctrl-C ended a blocking call on the script's main thread; the script raises KeyboardInterrupt.</summary>
public sealed class ScriptInterruptedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScriptInterruptedException()
        : base("interrupted by Ctrl-C")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ScriptInterruptedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ScriptInterruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
