using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
public sealed partial class USocket : IDisposable, IAsyncDisposable, IPollable, ISocketSurface
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

    /// <summary>Option level for IPv6 options (41, lwIP's value). An extension: the module documents none.</summary>
    public const int IPPROTO_IPV6 = 41;
    /// <summary>Option at <see cref="IPPROTO_IPV6"/>: 1 makes an <see cref="AF_INET6"/> socket IPv6-only (27, lwIP's value).
    /// Sockets are dual-stack by default, as lwIP's and Linux's are. Set it before <see cref="Bind(ValueTuple{string, int})"/>.</summary>
    public const int IPV6_V6ONLY = 27;

    private static int s_defaultProfile = (int)UsocketProfile.QuecPython;
    private static ILogger s_defaultLogger = NullLogger.Instance;

    private readonly SocketCore _core;
    private bool _eofReported;         // device profile: Recv raised ENOTCONN for end of stream once
    private int _maxLineLength;
    private int _maxReadAllBytes;
    private ILogger _logger;

    /// <summary>Creates a socket, as the module's <c>socket(af, type, proto)</c>.</summary>
    /// <param name="af"><see cref="AF_INET"/> or <see cref="AF_INET6"/>.</param>
    /// <param name="type"><see cref="SOCK_STREAM"/>, <see cref="SOCK_DGRAM"/> or <see cref="SOCK_RAW"/>.</param>
    /// <param name="proto">For stream and datagram sockets one of 0, 6, 7, 8, 17, none of which changes the socket
    /// (as on the device); for <see cref="SOCK_RAW"/> the IP protocol number, passed on as given.</param>
    /// <remarks>Uses <see cref="UsocketOptions.FromDefaults"/>. An <see cref="AF_INET6"/> socket is dual-stack (IPv4
    /// peers appear as <c>::ffff:a.b.c.d</c>), as on lwIP; <see cref="IPV6_V6ONLY"/> turns that off.</remarks>
    /// <exception cref="UsocketException">22 EINVAL for an unknown <paramref name="af"/> or <paramref name="type"/>;
    /// 93 EPROTONOSUPPORT for another <paramref name="proto"/> on a stream or datagram socket; the host's errno
    /// when it refuses (e.g. 1 EPERM or 13 EACCES for a raw socket without the privilege, 24 EMFILE).</exception>
    public USocket(int af = AF_INET, int type = SOCK_STREAM, int proto = IPPROTO_TCP)
        : this(af, type, proto, UsocketOptions.FromDefaults())
    {
    }

    /// <summary>Creates a socket with an explicit behaviour profile (other options from the defaults).</summary>
    /// <param name="af"><see cref="AF_INET"/> or <see cref="AF_INET6"/>.</param>
    /// <param name="type"><see cref="SOCK_STREAM"/>, <see cref="SOCK_DGRAM"/> or <see cref="SOCK_RAW"/>.</param>
    /// <param name="proto">As in <see cref="USocket(int, int, int)"/>.</param>
    /// <param name="profile">The device's behaviour or the POSIX one; see <see cref="UsocketProfile"/>.</param>
    /// <exception cref="UsocketException">As in <see cref="USocket(int, int, int)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="profile"/> is not a defined value.</exception>
    public USocket(int af, int type, int proto, UsocketProfile profile)
        : this(af, type, proto, UsocketOptions.FromDefaults() with { Profile = CheckProfile(profile) })
    {
    }

    /// <summary>Creates a socket with explicit options: profile, logger, clock and stream limits.</summary>
    /// <param name="af"><see cref="AF_INET"/> or <see cref="AF_INET6"/>.</param>
    /// <param name="type"><see cref="SOCK_STREAM"/>, <see cref="SOCK_DGRAM"/> or <see cref="SOCK_RAW"/>.</param>
    /// <param name="proto">As in <see cref="USocket(int, int, int)"/>.</param>
    /// <param name="options">What the socket is created with; see <see cref="UsocketOptions"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="UsocketException">As in <see cref="USocket(int, int, int)"/>.</exception>
    public USocket(int af, int type, int proto, UsocketOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Profile = options.Profile;
        Family = af;
        Type = type;
        Proto = proto;
        _logger = options.Logger;
        _maxLineLength = options.MaxLineLength;
        _maxReadAllBytes = options.MaxReadAllBytes;
        AddressFamily family = af switch
        {
            AF_INET => AddressFamily.InterNetwork,
            AF_INET6 => AddressFamily.InterNetworkV6,
            _ => throw new UsocketException(Errno.EINVAL, $"unknown address family {af}"),
        };
        SocketType socketType = type switch
        {
            SOCK_STREAM => SocketType.Stream,
            SOCK_DGRAM => SocketType.Dgram,
            SOCK_RAW => SocketType.Raw,
            _ => throw new UsocketException(Errno.EINVAL, $"unknown socket type {type}"),
        };

        // Stream and datagram sockets are made with protocol 0: the kernel picks TCP or UDP, and .NET's Bind
        // does not switch SO_REUSEADDR on behind our back as it does for ProtocolType.Tcp on Unix.
        ProtocolType protocol = type == SOCK_RAW
            ? (ProtocolType)proto
            : proto is IPPROTO_IP or IPPROTO_TCP or IPPROTO_TCP_SER or TCP_CUSTOMIZE_PORT or IPPROTO_UDP
                ? ProtocolType.Unspecified
                : throw new UsocketException(Errno.EPROTONOSUPPORT, $"protocol {proto} for socket type {type}");

        int e = SocketPal.Create(family, socketType, protocol, out Socket? created);
        if (e == 0)
        {
            e = SocketCore.ConfigureNew(created!);
            if (e != 0)
            {
                created!.Dispose();
            }
        }

        if (e != 0)
        {
            throw new UsocketException(e);
        }

        _core = new SocketCore(created!, family, socketType, protocol, options.TimeProvider);
    }

    private static UsocketProfile CheckProfile(UsocketProfile profile, [CallerArgumentExpression(nameof(profile))] string? paramName = null) =>
        Enum.IsDefined(profile) ? profile : throw new ArgumentOutOfRangeException(paramName, profile, "Unknown profile.");

    // An accepted connection: blocking, connected, with the listener's profile, clock and limits.
    private USocket(USocket listener, Socket accepted, IPEndPoint remote)
    {
        Profile = listener.Profile;
        Family = listener.Family;
        Type = listener.Type;
        Proto = listener.Proto;
        _maxLineLength = listener._maxLineLength;
        _maxReadAllBytes = listener._maxReadAllBytes;
        _logger = listener.Logger;
        _core = new SocketCore(accepted, listener._core.Family, listener._core.Type, listener._core.Protocol, listener._core.Clock);
        _core.Connected(remote);
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
    public bool IsClosed => _core.IsClosed;

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

    /// <summary>The .NET socket underneath, for tests that read kernel state; null once closed.</summary>
    internal Socket? RawSocket => _core.Handle;

    /// <summary>The core under this socket, for the poller.</summary>
    internal SocketCore Core => _core;

    SocketCore IPollable.Core => _core;

    bool IPollable.HasBufferedData => HasBufferedData;

    USocket IPollable.Named => this;

    bool ISocketSurface.IsStream => _core.IsStream;

    void ISocketSurface.Live() => Live();

    /// <summary>Closes the socket, as the module's <c>close()</c>. Idempotent.</summary>
    /// <remarks>Every later call raises 9 EBADF, and <see cref="GetSocketSta"/> returns -1. The close is graceful even
    /// when a call is blocked on another thread: that call ends with 9 EBADF, and the peer still receives every byte
    /// sent before the close, then end of stream (FIN), as after any normal close. A poller watching the socket
    /// reports it at once with <see cref="USelect.POLLNVAL"/>.</remarks>
    public void Close() => _core.Close();

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => _core.Close();

    /// <summary>
    /// Half-closes the connection, as POSIX <c>shutdown</c>. An extension: the firmware has none.
    /// </summary>
    /// <param name="how"><see cref="SHUT_RD"/>, <see cref="SHUT_WR"/> or <see cref="SHUT_RDWR"/>.</param>
    /// <remarks>After <see cref="SHUT_RD"/> a receive that would wait returns at once: end of stream on TCP, an empty
    /// datagram with no sender (<c>("", 0)</c>) on UDP, as Linux's blocking calls answer.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="how"/> is not 0, 1 or 2.</exception>
    /// <exception cref="UsocketException">9 EBADF when closed; 107 ENOTCONN when not connected (the socket is left
    /// as it was).</exception>
    public void Shutdown(int how)
    {
        Live();
        SocketShutdown mode = how switch
        {
            SHUT_RD => SocketShutdown.Receive,
            SHUT_WR => SocketShutdown.Send,
            SHUT_RDWR => SocketShutdown.Both,
            _ => throw new ArgumentOutOfRangeException(nameof(how), how, "Expected SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2)."),
        };
        ObservePendingConnect();
        if (_core.State is not (ConnectState.Connected or ConnectState.Connecting or ConnectState.Listening))
        {
            // Linux marks even an unconnected socket shut down before it answers ENOTCONN, so a connection made later
            // could not send (EPIPE): answer here and leave the socket untouched.
            throw Error(Errno.ENOTCONN);
        }

        RememberEnds();
        int e = _core.Shutdown(mode);
        if (e != 0)
        {
            throw Error(e);
        }
    }

    /// <summary>The local address, as CPython's <c>getsockname()</c>. An extension.</summary>
    /// <returns>(host, port); <c>("0.0.0.0", 0)</c> (or <c>("::", 0)</c>) before the socket is bound. A connect in
    /// progress has already bound the socket: its real address and port are returned.</returns>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public (string Host, int Port) GetSockName()
    {
        Live();
        ObservePendingConnect(); // .NET's endpoint getters would take the pending error (SO_ERROR) and drop it
        int e = _core.GetLocalEndPoint(out IPEndPoint? ep);
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
        Live();
        ObservePendingConnect();
        if (_core.IsStream && _core.State != ConnectState.Connected)
        {
            throw Error(Errno.ENOTCONN);
        }

        int e = _core.GetRemoteEndPoint(out IPEndPoint? ep);
        if (e != 0 || ep is null)
        {
            throw Error(e == 0 ? Errno.ENOTCONN : e);
        }

        return ToTuple(ep);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        string kind = Type switch
        {
            SOCK_STREAM => "SOCK_STREAM",
            SOCK_DGRAM => "SOCK_DGRAM",
            _ => "SOCK_RAW",
        };
        return IsClosed ? $"<USocket closed {kind}>" : $"<USocket {(Family == AF_INET ? "AF_INET" : "AF_INET6")} {kind}>";
    }

    private IPAddress WildcardAddress => _core.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;

    // The guard every member runs first.
    private void Live()
    {
        if (_core.IsClosed)
        {
            throw Error(Errno.EBADF);
        }
    }

    private static (string Host, int Port) ToTuple(IPEndPoint ep) => (ep.Address.ToString(), ep.Port);

    // Both ends, cached for the TIME_WAIT lookup of GetSocketSta, which needs them after the kernel forgets them.
    private void RememberEnds()
    {
        if (_core.State == ConnectState.Connecting)
        {
            return; // .NET's endpoint getters would take a failed connect's pending error and drop it
        }

        if (_core.Local is null && _core.GetLocalEndPoint(out IPEndPoint? local) == 0)
        {
            _core.Local = local;
        }

        if (_core.Remote is null && _core.State == ConnectState.Connected && _core.GetRemoteEndPoint(out IPEndPoint? remote) == 0)
        {
            _core.Remote = remote;
        }
    }
}
