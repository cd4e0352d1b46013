using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Usock.Platform;

namespace Usock;

/// <summary>
/// A socket with the API and behaviour of QuecPython's <c>usocket</c> module: the module's functions and
/// constants are static members, its socket methods are instance members, and errors are
/// <see cref="UsocketException"/> with the module's errno values.
/// </summary>
/// <remarks>
/// <para>The members are split by concern: this file holds the constructor, constants and state;
/// <c>USocket.Resolve.cs</c> name lookup; <c>USocket.Connection.cs</c> bind/listen/accept/connect;
/// <c>USocket.Transfer.cs</c> send/recv; <c>USocket.Stream.cs</c> the stream methods over one read buffer;
/// <c>USocket.Options.cs</c> options, timeouts and TCP state; <c>USocket.Errors.cs</c> the one place that
/// builds exceptions. The OS layer under them (<c>Platform/</c>) returns errors as values.</para>
/// <para>A socket is not meant for concurrent calls in the same direction (two readers, two writers);
/// one reader and one writer on two threads is fine, and <see cref="Close"/> from another thread ends a
/// blocked call with errno 9 EBADF.</para>
/// </remarks>
public sealed partial class USocket : IDisposable, IAsyncDisposable
{
    /// <summary>Address family IPv4 (2).</summary>
    public const int AF_INET = 2;
    /// <summary>Address family IPv6 (10, lwIP's value).</summary>
    public const int AF_INET6 = 10;
    /// <summary>Socket type: TCP stream (1).</summary>
    public const int SOCK_STREAM = 1;
    /// <summary>Socket type: UDP datagram (2).</summary>
    public const int SOCK_DGRAM = 2;
    /// <summary>Socket type: raw (3).</summary>
    public const int SOCK_RAW = 3;
    /// <summary>Default protocol (0).</summary>
    public const int IPPROTO_IP = 0;
    /// <summary>TCP (6).</summary>
    public const int IPPROTO_TCP = 6;
    /// <summary>UDP (17).</summary>
    public const int IPPROTO_UDP = 17;
    /// <summary>"TCP server" (7): a TCP socket the program binds itself. Same socket as <see cref="IPPROTO_TCP"/> here.</summary>
    public const int IPPROTO_TCP_SER = 7;
    /// <summary>"TCP client with a custom local address" (8): bind before connect. Same socket as <see cref="IPPROTO_TCP"/> here.</summary>
    public const int TCP_CUSTOMIZE_PORT = 8;
    /// <summary>Socket option level (0xFFF, lwIP's value). The documented options are recognised whatever the level.</summary>
    public const int SOL_SOCKET = 0xFFF;
    /// <summary>Option: allow reuse of a local address (4), with the native meaning.</summary>
    public const int SO_REUSEADDR = 4;
    /// <summary>Option: TCP keepalive, value in minutes 1..120 (2).</summary>
    public const int TCP_KEEPALIVE = 2;
    /// <summary><see cref="Shutdown"/>: no more receiving (0). An extension, as CPython's.</summary>
    public const int SHUT_RD = 0;
    /// <summary><see cref="Shutdown"/>: no more sending; sends FIN (1). An extension, as CPython's.</summary>
    public const int SHUT_WR = 1;
    /// <summary><see cref="Shutdown"/>: both (2). An extension, as CPython's.</summary>
    public const int SHUT_RDWR = 2;

    /// <summary>Default of <see cref="MaxLineLength"/>: 64 KiB.</summary>
    public const int DefaultMaxLineLength = 64 * 1024;
    /// <summary>Default of <see cref="MaxReadAllBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxReadAllBytes = 16 * 1024 * 1024;

    private static int s_defaultProfile = (int)UsocketProfile.QuecPython;
    private static ILogger s_defaultLogger = NullLogger.Instance;

    private readonly AddressFamily _family;
    private readonly SocketType _socketType;
    private readonly ProtocolType _protocol;
    private Socket? _sock;
    private volatile bool _closed;
    private long _timeoutMs = -1;      // -1 blocks forever, 0 non-blocking, else milliseconds
    private bool _listening;
    private bool _connectStarted;      // any Connect on a stream socket
    private bool _connectPending;      // started without finishing (EINPROGRESS or ETIMEDOUT)
    private bool _connected;
    private bool _connectFailed;       // POSIX profile: the next Connect needs a fresh socket
    private int _connectError;         // POSIX profile: a failed non-blocking connect seen outside Connect, for the next Connect to raise
    private bool _eofReported;         // device profile: Recv raised ENOTCONN for end of stream once
    private bool _reuseAddress;
    private int _keepAliveMinutes;
    private IPEndPoint? _boundByUser;
    private IPEndPoint? _local;        // cached for the TIME_WAIT lookup, which needs both ends
    private IPEndPoint? _remote;
    private int _maxLineLength = DefaultMaxLineLength;
    private int _maxReadAllBytes = DefaultMaxReadAllBytes;
    private ILogger _logger = DefaultLogger;

    /// <summary>Creates a socket, as the module's <c>socket(af, type, proto)</c>.</summary>
    /// <param name="af"><see cref="AF_INET"/> or <see cref="AF_INET6"/>.</param>
    /// <param name="type"><see cref="SOCK_STREAM"/>, <see cref="SOCK_DGRAM"/> or <see cref="SOCK_RAW"/>.</param>
    /// <param name="proto">For stream and datagram sockets one of 0, 6, 7, 8, 17, none of which changes the socket
    /// (as on the device); for <see cref="SOCK_RAW"/> the IP protocol number, passed on as given.</param>
    /// <exception cref="UsocketException">22 EINVAL for an unknown <paramref name="af"/> or <paramref name="type"/>;
    /// 93 EPROTONOSUPPORT for another <paramref name="proto"/> on a stream or datagram socket; the host's errno
    /// when it refuses (e.g. 1 EPERM or 13 EACCES for a raw socket without the privilege, 24 EMFILE).</exception>
    public USocket(int af = AF_INET, int type = SOCK_STREAM, int proto = IPPROTO_TCP)
        : this(af, type, proto, DefaultProfile)
    {
    }

    /// <summary>Creates a socket with an explicit behaviour profile.</summary>
    /// <param name="af"><see cref="AF_INET"/> or <see cref="AF_INET6"/>.</param>
    /// <param name="type"><see cref="SOCK_STREAM"/>, <see cref="SOCK_DGRAM"/> or <see cref="SOCK_RAW"/>.</param>
    /// <param name="proto">As in <see cref="USocket(int, int, int)"/>.</param>
    /// <param name="profile">The device's behaviour or the POSIX one; see <see cref="UsocketProfile"/>.</param>
    /// <exception cref="UsocketException">As in <see cref="USocket(int, int, int)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="profile"/> is not a defined value.</exception>
    public USocket(int af, int type, int proto, UsocketProfile profile)
    {
        if (!Enum.IsDefined(profile))
        {
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown profile.");
        }

        Profile = profile;
        Family = af;
        Type = type;
        Proto = proto;
        _family = af switch
        {
            AF_INET => AddressFamily.InterNetwork,
            AF_INET6 => AddressFamily.InterNetworkV6,
            _ => throw Error(Errno.EINVAL, $"unknown address family {af}"),
        };
        _socketType = type switch
        {
            SOCK_STREAM => SocketType.Stream,
            SOCK_DGRAM => SocketType.Dgram,
            SOCK_RAW => SocketType.Raw,
            _ => throw Error(Errno.EINVAL, $"unknown socket type {type}"),
        };

        // Stream and datagram sockets are made with protocol 0: the kernel picks TCP or UDP, and .NET's Bind
        // does not switch SO_REUSEADDR on behind our back as it does for ProtocolType.Tcp on Unix.
        _protocol = type == SOCK_RAW
            ? (ProtocolType)proto
            : proto is IPPROTO_IP or IPPROTO_TCP or IPPROTO_TCP_SER or TCP_CUSTOMIZE_PORT or IPPROTO_UDP
                ? ProtocolType.Unspecified
                : throw Error(Errno.EPROTONOSUPPORT, $"protocol {proto} for socket type {type}");

        int e = SocketPal.Create(_family, _socketType, _protocol, out Socket? created);
        if (e != 0)
        {
            throw Error(e);
        }

        _sock = created;
    }

    // An accepted connection: blocking, connected, with the listener's profile and limits.
    private USocket(USocket listener, Socket accepted)
    {
        Profile = listener.Profile;
        Family = listener.Family;
        Type = listener.Type;
        Proto = listener.Proto;
        _family = listener._family;
        _socketType = listener._socketType;
        _protocol = listener._protocol;
        _maxLineLength = listener._maxLineLength;
        _maxReadAllBytes = listener._maxReadAllBytes;
        Logger = listener.Logger;
        _sock = accepted;
        _connectStarted = true;
        _connected = true;
        _remote = accepted.RemoteEndPoint as IPEndPoint;
    }

    /// <summary>
    /// The profile new sockets get when none is given (initially <see cref="UsocketProfile.QuecPython"/>);
    /// also used by <see cref="GetAddrInfo(string, int)"/>. Process-wide: set it once at start-up.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined profile.</exception>
    public static UsocketProfile DefaultProfile
    {
        get => (UsocketProfile)Volatile.Read(ref s_defaultProfile);
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown profile.");
            }

            Volatile.Write(ref s_defaultProfile, (int)value);
        }
    }

    /// <summary>The logger for the device profile's warnings (an ignored socket option). Defaults to none.</summary>
    /// <exception cref="ArgumentNullException">The value is null (use <see cref="NullLogger.Instance"/> for none).</exception>
    public static ILogger DefaultLogger
    {
        get => Volatile.Read(ref s_defaultLogger);
        set => Volatile.Write(ref s_defaultLogger, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>This socket's behaviour profile.</summary>
    public UsocketProfile Profile { get; }

    /// <summary>The address family given to the constructor (<see cref="AF_INET"/> or <see cref="AF_INET6"/>).</summary>
    public int Family { get; }

    /// <summary>The socket type given to the constructor.</summary>
    public int Type { get; }

    /// <summary>The protocol given to the constructor (7 and 8 are remembered though they change nothing).</summary>
    public int Proto { get; }

    /// <summary>Where this socket logs warnings; starts as <see cref="DefaultLogger"/>.</summary>
    /// <exception cref="ArgumentNullException">The value is null (use <see cref="NullLogger.Instance"/> for none).</exception>
    public ILogger Logger
    {
        get => _logger;
        set => _logger = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>True once <see cref="Close"/> has run.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// The longest line <see cref="ReadLine"/> returns, including its <c>\n</c> (default 64 KiB). A longer line
    /// raises 105 ENOBUFS and stays buffered, so a peer cannot make the socket buffer without bound.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxLineLength = value;
        }
    }

    /// <summary>
    /// The most <see cref="Read"/> with no size collects before end of stream (default 16 MiB). Beyond it the
    /// call raises 105 ENOBUFS; what was read stays buffered for the next call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxReadAllBytes
    {
        get => _maxReadAllBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxReadAllBytes = value;
        }
    }

    /// <summary>The .NET socket underneath, for tests that read kernel state.</summary>
    internal Socket? RawSocket => _sock;

    /// <summary>Closes the socket, as the module's <c>close()</c>. Idempotent.</summary>
    /// <remarks>Every later call raises 9 EBADF, and <see cref="GetSocketSta"/> returns -1. A call blocked on
    /// another thread ends with 9 EBADF.</remarks>
    public void Close()
    {
        _closed = true;
        Socket? s = Interlocked.Exchange(ref _sock, null);
        s?.Dispose();
        Interlocked.Exchange(ref _readTimer, null)?.Dispose();
        Interlocked.Exchange(ref _writeTimer, null)?.Dispose();
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>
    /// Half-closes the connection, as POSIX <c>shutdown</c>. An extension: the firmware has none.
    /// </summary>
    /// <param name="how"><see cref="SHUT_RD"/>, <see cref="SHUT_WR"/> or <see cref="SHUT_RDWR"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="how"/> is not 0, 1 or 2.</exception>
    /// <exception cref="UsocketException">9 EBADF when closed; 107 ENOTCONN when not connected (the socket is left
    /// as it was).</exception>
    public void Shutdown(int how)
    {
        Socket s = Live();
        SocketShutdown mode = how switch
        {
            SHUT_RD => SocketShutdown.Receive,
            SHUT_WR => SocketShutdown.Send,
            SHUT_RDWR => SocketShutdown.Both,
            _ => throw new ArgumentOutOfRangeException(nameof(how), how, "Expected SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2)."),
        };
        ObservePendingConnect(s);
        if (!_connected && !_connectPending && !_listening)
        {
            // Linux marks even an unconnected socket shut down before it answers ENOTCONN, so a connection made later
            // could not send (EPIPE): answer here and leave the socket untouched.
            throw Error(Errno.ENOTCONN);
        }

        RememberEnds(s);
        int e = SocketPal.Shutdown(s, mode);
        if (e != 0)
        {
            throw Error(e);
        }
    }

    /// <summary>The local address, as CPython's <c>getsockname()</c>. An extension.</summary>
    /// <returns>(host, port); <c>("0.0.0.0", 0)</c> (or <c>("::", 0)</c>) before the socket is bound.</returns>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public (string Host, int Port) GetSockName()
    {
        Socket s = Live();
        ObservePendingConnect(s); // .NET's LocalEndPoint would take the pending error (SO_ERROR) and drop it
        int e = SocketPal.GetLocalEndPoint(s, out IPEndPoint? ep);
        if (e != 0)
        {
            throw Error(e);
        }

        return ep is null ? (WildcardAddress.ToString(), 0) : ToTuple(ep);
    }

    /// <summary>The remote address, as CPython's <c>getpeername()</c>. An extension.</summary>
    /// <returns>(host, port) of the peer.</returns>
    /// <exception cref="UsocketException">9 EBADF when closed; 107 ENOTCONN when not connected.</exception>
    public (string Host, int Port) GetPeerName()
    {
        Socket s = Live();
        ObservePendingConnect(s);
        if (_socketType == SocketType.Stream && !_connected)
        {
            throw Error(Errno.ENOTCONN);
        }

        int e = SocketPal.GetRemoteEndPoint(s, out IPEndPoint? ep);
        if (e != 0 || ep is null)
        {
            throw Error(e == 0 ? Errno.ENOTCONN : e);
        }

        return ToTuple(ep);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        string kind = _socketType switch
        {
            SocketType.Stream => "SOCK_STREAM",
            SocketType.Dgram => "SOCK_DGRAM",
            _ => "SOCK_RAW",
        };
        return _sock is null ? $"<USocket closed {kind}>" : $"<USocket {(Family == AF_INET ? "AF_INET" : "AF_INET6")} {kind}>";
    }

    private IPAddress WildcardAddress => _family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;

    // The guard every member runs first.
    private Socket Live() => _sock ?? throw Error(Errno.EBADF);

    private static (string Host, int Port) ToTuple(IPEndPoint ep) => (ep.Address.ToString(), ep.Port);

    private void RememberEnds(Socket s)
    {
        if (_connectPending)
        {
            return; // .NET's endpoint getters would take a failed connect's pending error and drop it
        }

        if (_local is null && SocketPal.GetLocalEndPoint(s, out IPEndPoint? local) == 0)
        {
            _local = local;
        }

        if (_remote is null && SocketPal.GetRemoteEndPoint(s, out IPEndPoint? remote) == 0)
        {
            _remote = remote;
        }
    }
}
