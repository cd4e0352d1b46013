using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Usock.Platform;

/// <summary>
/// The OS layer: one small method per socket call, each returning an errno value (0 for success) and never
/// throwing for a network error; .NET's <see cref="SocketError"/> goes through the one table in
/// <see cref="Errno"/>. A closed socket reads as <see cref="Errno.EBADF"/>, a connect that has started as
/// <see cref="Errno.EINPROGRESS"/>. Everything above this class sees errors as values; <see cref="USocket"/>
/// turns them into exceptions.
/// </summary>
internal static partial class SocketPal
{
    public static int Create(AddressFamily family, SocketType type, ProtocolType protocol, out Socket? socket)
    {
        try
        {
            socket = new Socket(family, type, protocol);
            return 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ProtocolNotSupported && type == SocketType.Raw
            && (OperatingSystem.IsLinux() || OperatingSystem.IsAndroid()))
        {
            // .NET maps only a few protocol numbers for raw sockets (ICMP, IGMP, ICMPv6, RAW); the kernel takes any.
            return CreateRawLinux(family, (int)protocol, out socket);
        }
        catch (SocketException e)
        {
            socket = null;
            return Errno.FromSocketError(e.SocketErrorCode);
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

    public static int SetBlocking(Socket s, bool blocking)
    {
        try
        {
            s.Blocking = blocking;
            return 0;
        }
        catch (SocketException e)
        {
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int Bind(Socket s, EndPoint endPoint)
    {
        try
        {
            s.Bind(endPoint);
            return 0;
        }
        catch (SocketException e)
        {
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int Listen(Socket s, int backlog)
    {
        try
        {
            s.Listen(backlog);
            return 0;
        }
        catch (SocketException e)
        {
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int Accept(Socket s, out Socket? accepted)
    {
        try
        {
            accepted = s.Accept();
            return 0;
        }
        catch (SocketException e)
        {
            accepted = null;
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            accepted = null;
            return Errno.EBADF;
        }
    }

    /// <summary>Starts or completes a connect; a non-blocking start returns <see cref="Errno.EINPROGRESS"/>.</summary>
    public static int Connect(Socket s, EndPoint endPoint)
    {
        try
        {
            s.Connect(endPoint);
            return 0;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode is SocketError.InProgress or SocketError.WouldBlock ? Errno.EINPROGRESS : Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
        catch (InvalidOperationException)
        {
            // .NET refuses Connect on a listening socket; the kernel says EINVAL.
            return Errno.EINVAL;
        }
    }

    /// <summary>The pending error of a socket (SO_ERROR), cleared by reading it.</summary>
    public static int TakePendingError(Socket s)
    {
        try
        {
            return Errno.FromSocketError((SocketError)(int)s.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!);
        }
        catch (SocketException e)
        {
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int Receive(Socket s, Span<byte> buffer, out int received)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.Receive(s, buffer, out received);
        }

        try
        {
            received = s.Receive(buffer, SocketFlags.None, out SocketError error);
            return Errno.FromSocketError(error);
        }
        catch (ObjectDisposedException)
        {
            received = 0;
            return Errno.EBADF;
        }
    }

    public static int ReceiveFrom(Socket s, Span<byte> buffer, SocketAddress from, out int received)
    {
        try
        {
            received = s.ReceiveFrom(buffer, SocketFlags.None, from);
            return 0;
        }
        catch (SocketException e)
        {
            received = 0;
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            received = 0;
            return Errno.EBADF;
        }
    }

    public static int Send(Socket s, ReadOnlySpan<byte> buffer, out int sent)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.Send(s, buffer, out sent);
        }

        try
        {
            sent = s.Send(buffer, SocketFlags.None, out SocketError error);
            return Errno.FromSocketError(error);
        }
        catch (ObjectDisposedException)
        {
            sent = 0;
            return Errno.EBADF;
        }
    }

    public static int SendTo(Socket s, ReadOnlySpan<byte> buffer, SocketAddress to, out int sent)
    {
        try
        {
            sent = s.SendTo(buffer, SocketFlags.None, to);
            return 0;
        }
        catch (SocketException e)
        {
            sent = 0;
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            sent = 0;
            return Errno.EBADF;
        }
    }

    /// <summary>Waits until the socket is ready for <paramref name="mode"/> or <paramref name="timeoutMs"/> passes (-1: forever).</summary>
    public static int Poll(Socket s, int timeoutMs, SelectMode mode, out bool ready)
    {
        if (LinuxCalls.IsEnabled)
        {
            return LinuxCalls.Poll(s, timeoutMs, mode, out ready);
        }

        try
        {
            ready = s.Poll(timeoutMs < 0 ? -1 : checked(timeoutMs * 1000), mode);
            return 0;
        }
        catch (SocketException e)
        {
            ready = false;
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            ready = false;
            return Errno.EBADF;
        }
    }

    public static int Shutdown(Socket s, SocketShutdown how)
    {
        try
        {
            s.Shutdown(how);
            return 0;
        }
        catch (SocketException e)
        {
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int GetLocalEndPoint(Socket s, out IPEndPoint? endPoint)
    {
        try
        {
            endPoint = s.LocalEndPoint as IPEndPoint;
            return 0;
        }
        catch (SocketException e)
        {
            endPoint = null;
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            endPoint = null;
            return Errno.EBADF;
        }
    }

    public static int GetRemoteEndPoint(Socket s, out IPEndPoint? endPoint)
    {
        try
        {
            endPoint = s.RemoteEndPoint as IPEndPoint;
            return endPoint is null ? Errno.ENOTCONN : 0;
        }
        catch (SocketException e)
        {
            endPoint = null;
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            endPoint = null;
            return Errno.EBADF;
        }
    }

    public static int SetOption(Socket s, SocketOptionLevel level, SocketOptionName name, int value)
    {
        try
        {
            s.SetSocketOption(level, name, value);
            return 0;
        }
        catch (SocketException e)
        {
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int SetRawOption(Socket s, int level, int name, int value)
    {
        try
        {
            Span<byte> bytes = stackalloc byte[sizeof(int)];
            BitConverter.TryWriteBytes(bytes, value);
            s.SetRawSocketOption(level, name, bytes);
            return 0;
        }
        catch (SocketException e)
        {
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int GetRawOption(Socket s, int level, int name, Span<byte> value, out int length)
    {
        try
        {
            length = s.GetRawSocketOption(level, name, value);
            return 0;
        }
        catch (SocketException e)
        {
            length = 0;
            return Errno.FromSocketError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            length = 0;
            return Errno.EBADF;
        }
    }
}
