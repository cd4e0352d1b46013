using System.Runtime.InteropServices;

namespace Usock.Platform;

/// <summary>
/// The OS layer: one small method per socket call, each returning an errno value (0 for success) and never
/// throwing for a network error; .NET's <see cref="SocketError"/> goes through the one table in
/// <see cref="Errno"/>. A closed socket reads as <see cref="Errno.EBADF"/>, a connect that has started as
/// <see cref="Errno.EINPROGRESS"/>. Everything above this class sees errors as values; <see cref="USocket"/>
/// turns them into exceptions. On Linux the hot calls (receive, send, poll) go to <see cref="LinuxCalls"/>.
/// </summary>
internal static partial class SocketPal
{
    [ThreadStatic]
    private static SocketAddress? t_from4;
    [ThreadStatic]
    private static SocketAddress? t_from6;

    public static int Create(AddressFamily family, SocketType type, ProtocolType protocol, out Socket? socket)
    {
        if (type == SocketType.Raw && (OperatingSystem.IsLinux() || OperatingSystem.IsAndroid()))
        {
            // .NET maps only a few protocol numbers for raw sockets (ICMP, IGMP, ICMPv6, RAW), and reports EPERM
            // as EACCES; the kernel takes any protocol and says which it was.
            return CreateRawLinux(family, (int)protocol, out socket);
        }

        return Guard(() => new Socket(family, type, protocol), out socket);
    }

    public static int SetBlocking(Socket s, bool blocking) => Guard(() => s.Blocking = blocking);

    public static int Bind(Socket s, EndPoint endPoint) => Guard(() => s.Bind(endPoint));

    public static int Listen(Socket s, int backlog) => Guard(() => s.Listen(backlog));

    /// <summary>Accepts a connection: the new socket is blocking. A would-block is EAGAIN, never an exception.</summary>
    /// <remarks>Both paths use .NET's own Accept: it builds the new <see cref="Socket"/> from what it already knows (the
    /// listener's family and type, the address accept4 returned), with no system call beyond accept4. Wrapping a bare
    /// descriptor instead (<c>new Socket(SafeSocketHandle)</c>) asks the kernel eight more questions per connection
    /// (type, domain, protocol, listening, both names, flags, stat): a tenth of a connect-accept-close cycle. .NET
    /// reports "would block" by exception, so a non-blocking listener is asked first (one poll); a connection another
    /// thread took in between costs that exception, and is still EAGAIN.</remarks>
    public static int Accept(Socket s, out Socket? accepted)
    {
        accepted = null;
        return !s.Blocking && WouldBlock(s, SelectMode.SelectRead) ? Errno.EAGAIN : Guard(s.Accept, out accepted);
    }

    /// <summary>Starts or completes a connect; a non-blocking start returns <see cref="Errno.EINPROGRESS"/>.</summary>
    public static int Connect(Socket s, EndPoint endPoint)
    {
        try
        {
            s.Connect(endPoint);
            return 0;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.InProgress or SocketError.WouldBlock)
        {
            return Errno.EINPROGRESS;
        }
        catch (InvalidOperationException)
        {
            return Errno.EINVAL; // .NET refuses Connect on a listening socket; the kernel says EINVAL
        }
        catch (Exception e) when (Errno.FromException(e) is int errno)
        {
            return errno;
        }
    }

    /// <summary>The pending error of a socket (SO_ERROR), cleared by reading it.</summary>
    public static int TakePendingError(Socket s)
    {
        int e = Guard(() => (int)s.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!, out int pending);
        return e != 0 ? e : Errno.FromSocketError((SocketError)pending);
    }

    /// <summary>One receive. <paramref name="dontWait"/>: never waits, whatever the socket's mode (async callers).</summary>
    public static int Receive(Socket s, Span<byte> buffer, bool dontWait, out int received)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.Receive(s.SafeHandle, buffer, dontWait ? LinuxCalls.MSG_DONTWAIT : 0, out received);
        }

        received = 0;
        if (dontWait && WouldBlock(s, SelectMode.SelectRead))
        {
            return Errno.EAGAIN;
        }

        try
        {
            received = s.Receive(buffer, SocketFlags.None, out SocketError error);
            return Errno.FromSocketError(error);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    /// <summary>A datagram and its sender, as a native sockaddr copied into <paramref name="address"/>.</summary>
    public static int ReceiveFrom(Socket s, Span<byte> buffer, bool dontWait, Span<byte> address, out int received, out int addressLength)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.ReceiveFrom(s.SafeHandle, buffer, dontWait ? LinuxCalls.MSG_DONTWAIT : 0, address, out received, out addressLength);
        }

        received = 0;
        addressLength = 0;
        if ((dontWait || !s.Blocking) && WouldBlock(s, SelectMode.SelectRead))
        {
            return Errno.EAGAIN; // .NET reports "would block" here by exception: ask first
        }

        // One SocketAddress per thread: two threads receiving at once never share the sender's buffer.
        SocketAddress from = s.AddressFamily == AddressFamily.InterNetworkV6
            ? t_from6 ??= new SocketAddress(AddressFamily.InterNetworkV6)
            : t_from4 ??= new SocketAddress(AddressFamily.InterNetwork);
        from.Size = from.Buffer.Length;
        try
        {
            received = s.ReceiveFrom(buffer, SocketFlags.None, from);
        }
        catch (Exception e) when (Errno.FromException(e) is int errno)
        {
            return errno;
        }

        addressLength = Math.Min(from.Size, address.Length);
        from.Buffer.Span[..addressLength].CopyTo(address);
        return 0;
    }

    public static int Send(Socket s, ReadOnlySpan<byte> buffer, bool dontWait, out int sent)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.Send(s.SafeHandle, buffer, dontWait ? LinuxCalls.MSG_DONTWAIT : 0, out sent);
        }

        sent = 0;
        if (dontWait && WouldBlock(s, SelectMode.SelectWrite))
        {
            return Errno.EAGAIN;
        }

        try
        {
            sent = s.Send(buffer, SocketFlags.None, out SocketError error);
            return Errno.FromSocketError(error);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    /// <summary>A datagram to <paramref name="to"/>, which the caller never changes after it was made.</summary>
    public static int SendTo(Socket s, ReadOnlySpan<byte> buffer, bool dontWait, SocketAddress to, out int sent)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.SendTo(s.SafeHandle, buffer, dontWait ? LinuxCalls.MSG_DONTWAIT : 0, to.Buffer.Span[..to.Size], out sent);
        }

        sent = 0;
        if ((dontWait || !s.Blocking) && WouldBlock(s, SelectMode.SelectWrite))
        {
            return Errno.EAGAIN; // .NET reports "would block" here by exception: ask first
        }

        try
        {
            sent = s.SendTo(buffer, SocketFlags.None, to);
            return 0;
        }
        catch (Exception e) when (Errno.FromException(e) is int errno)
        {
            return errno;
        }
    }

    /// <summary>Waits until the socket is ready for <paramref name="mode"/> or <paramref name="timeoutMs"/> passes (-1: forever).</summary>
    public static int Poll(Socket s, int timeoutMs, SelectMode mode, out bool ready)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.Poll(s.SafeHandle, timeoutMs, mode, out ready);
        }

        try
        {
            ready = s.Poll(timeoutMs < 0 ? -1 : (int)Math.Min((long)timeoutMs * 1000, int.MaxValue), mode);
            return 0;
        }
        catch (Exception e) when (Errno.FromException(e) is int errno)
        {
            ready = false;
            return errno;
        }
    }

    public static int Shutdown(Socket s, SocketShutdown how) => Guard(() => s.Shutdown(how));

    /// <summary>
    /// The kernel's local address. On Linux it asks the kernel (getsockname): .NET's <see cref="Socket.LocalEndPoint"/>
    /// reports nothing for a socket bound implicitly by a connect still in progress. Null when not bound.
    /// </summary>
    public static int GetLocalEndPoint(Socket s, out IPEndPoint? endPoint)
    {
        if (OperatingSystem.IsLinux())
        {
            endPoint = null;
            Span<byte> native = stackalloc byte[SockAddr.MaxLength];
            int e = LinuxCalls.GetSockName(s.SafeHandle, native, out int length);
            if (e != 0)
            {
                return e;
            }

            endPoint = SockAddr.ToEndPoint(native[..length]);
            return 0;
        }

        return Guard(() => s.LocalEndPoint as IPEndPoint, out endPoint);
    }

    public static int GetRemoteEndPoint(Socket s, out IPEndPoint? endPoint)
    {
        int e = Guard(() => s.RemoteEndPoint as IPEndPoint, out endPoint);
        return e == 0 && endPoint is null ? Errno.ENOTCONN : e;
    }

    public static int SetOption(Socket s, SocketOptionLevel level, SocketOptionName name, int value) =>
        Guard(() => s.SetSocketOption(level, name, value));

    public static int SetRawOption(Socket s, int level, int name, int value) =>
        Guard(() => s.SetRawSocketOption(level, name, BitConverter.GetBytes(value)));

    public static int GetRawOption(Socket s, int level, int name, Span<byte> value, out int length)
    {
        try
        {
            length = s.GetRawSocketOption(level, name, value);
            return 0;
        }
        catch (Exception e) when (Errno.FromException(e) is int errno)
        {
            length = 0;
            return errno;
        }
    }

    // Would a call on a non-blocking socket wait? Asked first where .NET would report it by exception.
    private static bool WouldBlock(Socket s, SelectMode mode)
    {
        try
        {
            return !s.Poll(0, mode);
        }
        catch (Exception e) when (Errno.FromException(e) is not null)
        {
            return false; // the call itself reports the error
        }
    }

    // The one place that turns what .NET throws for a socket call into an errno; anything else is a bug and passes.
    private static int Guard(Action call)
    {
        try
        {
            call();
            return 0;
        }
        catch (Exception e) when (Errno.FromException(e) is int errno)
        {
            return errno;
        }
    }

    private static int Guard<T>(Func<T> call, out T? result)
    {
        try
        {
            result = call();
            return 0;
        }
        catch (Exception e) when (Errno.FromException(e) is int errno)
        {
            result = default;
            return errno;
        }
    }

    private static int CreateRawLinux(AddressFamily family, int protocol, out Socket? socket)
    {
        const int SockRaw = 3, SockCloexec = 0x80000;
        socket = null;
        int fd = NativeSocket(family == AddressFamily.InterNetworkV6 ? 10 : 2, SockRaw | SockCloexec, protocol);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError(); // Linux's errno numbers are Usock's
        }

        socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int NativeSocket(int domain, int type, int protocol);
}
