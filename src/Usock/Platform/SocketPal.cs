using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Usock.Platform;

/// <summary>
/// The OS layer: one small method per socket call, each returning a <see cref="SocketError"/> and never
/// throwing for a network error. A closed socket reads as <see cref="SocketError.OperationAborted"/>.
/// Everything above this class sees errors as values; <see cref="USocket"/> turns them into exceptions.
/// </summary>
internal static partial class SocketPal
{
    public static SocketError Create(AddressFamily family, SocketType type, ProtocolType protocol, out Socket? socket)
    {
        try
        {
            socket = new Socket(family, type, protocol);
            return SocketError.Success;
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
            return e.SocketErrorCode;
        }
    }

    private static SocketError CreateRawLinux(AddressFamily family, int protocol, out Socket? socket)
    {
        const int SockRaw = 3, SockCloexec = 0x80000;
        socket = null;
        int fd = NativeSocket(family == AddressFamily.InterNetworkV6 ? 10 : 2, SockRaw | SockCloexec, protocol);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError() switch
            {
                1 or 13 => SocketError.AccessDenied,
                23 or 24 => SocketError.TooManyOpenSockets,
                93 => SocketError.ProtocolNotSupported,
                105 or 12 => SocketError.NoBufferSpaceAvailable,
                _ => SocketError.SocketError,
            };
        }

        socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        return SocketError.Success;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int NativeSocket(int domain, int type, int protocol);

    public static SocketError SetBlocking(Socket s, bool blocking)
    {
        try
        {
            s.Blocking = blocking;
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    public static SocketError Bind(Socket s, EndPoint endPoint)
    {
        try
        {
            s.Bind(endPoint);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    public static SocketError Listen(Socket s, int backlog)
    {
        try
        {
            s.Listen(backlog);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    public static SocketError Accept(Socket s, out Socket? accepted)
    {
        try
        {
            accepted = s.Accept();
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            accepted = null;
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            accepted = null;
            return SocketError.OperationAborted;
        }
    }

    /// <summary>Starts or completes a connect; a non-blocking start returns <see cref="SocketError.WouldBlock"/>.</summary>
    public static SocketError Connect(Socket s, EndPoint endPoint)
    {
        try
        {
            s.Connect(endPoint);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode == SocketError.InProgress ? SocketError.WouldBlock : e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
        catch (InvalidOperationException)
        {
            // .NET refuses Connect on a listening socket; the kernel says EINVAL.
            return SocketError.InvalidArgument;
        }
    }

    /// <summary>The pending error of a socket (SO_ERROR), cleared by reading it.</summary>
    public static SocketError TakePendingError(Socket s)
    {
        try
        {
            return (SocketError)(int)s.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    public static SocketError Receive(Socket s, Span<byte> buffer, out int received)
    {
        try
        {
            received = s.Receive(buffer, SocketFlags.None, out SocketError error);
            return error;
        }
        catch (ObjectDisposedException)
        {
            received = 0;
            return SocketError.OperationAborted;
        }
    }

    public static SocketError ReceiveFrom(Socket s, Span<byte> buffer, SocketAddress from, out int received)
    {
        try
        {
            received = s.ReceiveFrom(buffer, SocketFlags.None, from);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            received = 0;
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            received = 0;
            return SocketError.OperationAborted;
        }
    }

    public static SocketError Send(Socket s, ReadOnlySpan<byte> buffer, out int sent)
    {
        try
        {
            sent = s.Send(buffer, SocketFlags.None, out SocketError error);
            return error;
        }
        catch (ObjectDisposedException)
        {
            sent = 0;
            return SocketError.OperationAborted;
        }
    }

    public static SocketError SendTo(Socket s, ReadOnlySpan<byte> buffer, SocketAddress to, out int sent)
    {
        try
        {
            sent = s.SendTo(buffer, SocketFlags.None, to);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            sent = 0;
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            sent = 0;
            return SocketError.OperationAborted;
        }
    }

    /// <summary>Waits until the socket is ready for <paramref name="mode"/> or <paramref name="timeoutMs"/> passes (-1: forever).</summary>
    public static SocketError Poll(Socket s, int timeoutMs, SelectMode mode, out bool ready)
    {
        try
        {
            ready = s.Poll(timeoutMs < 0 ? -1 : checked(timeoutMs * 1000), mode);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            ready = false;
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            ready = false;
            return SocketError.OperationAborted;
        }
    }

    public static SocketError Shutdown(Socket s, SocketShutdown how)
    {
        try
        {
            s.Shutdown(how);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    public static SocketError GetLocalEndPoint(Socket s, out IPEndPoint? endPoint)
    {
        try
        {
            endPoint = s.LocalEndPoint as IPEndPoint;
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            endPoint = null;
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            endPoint = null;
            return SocketError.OperationAborted;
        }
    }

    public static SocketError GetRemoteEndPoint(Socket s, out IPEndPoint? endPoint)
    {
        try
        {
            endPoint = s.RemoteEndPoint as IPEndPoint;
            return endPoint is null ? SocketError.NotConnected : SocketError.Success;
        }
        catch (SocketException e)
        {
            endPoint = null;
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            endPoint = null;
            return SocketError.OperationAborted;
        }
    }

    public static SocketError SetOption(Socket s, SocketOptionLevel level, SocketOptionName name, int value)
    {
        try
        {
            s.SetSocketOption(level, name, value);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    public static SocketError SetRawOption(Socket s, int level, int name, int value)
    {
        try
        {
            Span<byte> bytes = stackalloc byte[sizeof(int)];
            BitConverter.TryWriteBytes(bytes, value);
            s.SetRawSocketOption(level, name, bytes);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    public static SocketError GetRawOption(Socket s, int level, int name, Span<byte> value, out int length)
    {
        try
        {
            length = s.GetRawSocketOption(level, name, value);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            length = 0;
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            length = 0;
            return SocketError.OperationAborted;
        }
    }
}
