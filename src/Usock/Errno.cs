namespace Usock;

/// <summary>
/// The errno numbers Usock raises (MicroPython's and Linux's numbering), their names, and the one
/// table that turns a .NET <see cref="SocketError"/> into one of them.
/// </summary>
/// <remarks>
/// The numbers are the same on every host: a program ported from a device compares
/// <see cref="UsocketException.Errno"/> with the values it knows. Resolver failures are negative,
/// as on the device (<see cref="LWIP_EAI_FAIL"/>) or in CPython (<see cref="EAI_NONAME"/>).
/// </remarks>
public static class Errno
{
    /// <summary>Operation not permitted (1).</summary>
    public const int EPERM = 1;
    /// <summary>No such file or directory (2).</summary>
    public const int ENOENT = 2;
    /// <summary>Interrupted system call (4).</summary>
    public const int EINTR = 4;
    /// <summary>Input/output error (5).</summary>
    public const int EIO = 5;
    /// <summary>Bad file descriptor (9): the socket is closed.</summary>
    public const int EBADF = 9;
    /// <summary>Try again (11): a non-blocking call would block.</summary>
    public const int EAGAIN = 11;
    /// <summary>Out of memory (12).</summary>
    public const int ENOMEM = 12;
    /// <summary>Permission denied (13).</summary>
    public const int EACCES = 13;
    /// <summary>Bad address (14).</summary>
    public const int EFAULT = 14;
    /// <summary>File exists (17).</summary>
    public const int EEXIST = 17;
    /// <summary>Invalid argument (22).</summary>
    public const int EINVAL = 22;
    /// <summary>Too many open files in the system (23).</summary>
    public const int ENFILE = 23;
    /// <summary>Too many open files in the process (24).</summary>
    public const int EMFILE = 24;
    /// <summary>Broken pipe (32): the connection can no longer send.</summary>
    public const int EPIPE = 32;
    /// <summary>Destination address required (89).</summary>
    public const int EDESTADDRREQ = 89;
    /// <summary>Message too long (90).</summary>
    public const int EMSGSIZE = 90;
    /// <summary>Protocol wrong type for socket (91).</summary>
    public const int EPROTOTYPE = 91;
    /// <summary>Protocol not available (92): an unknown socket option in the POSIX profile.</summary>
    public const int ENOPROTOOPT = 92;
    /// <summary>Protocol not supported (93).</summary>
    public const int EPROTONOSUPPORT = 93;
    /// <summary>Socket type not supported (94).</summary>
    public const int ESOCKTNOSUPPORT = 94;
    /// <summary>Operation not supported on this socket (95).</summary>
    public const int EOPNOTSUPP = 95;
    /// <summary>Protocol family not supported (96).</summary>
    public const int EPFNOSUPPORT = 96;
    /// <summary>Address family not supported (97).</summary>
    public const int EAFNOSUPPORT = 97;
    /// <summary>Address already in use (98).</summary>
    public const int EADDRINUSE = 98;
    /// <summary>Cannot assign requested address (99).</summary>
    public const int EADDRNOTAVAIL = 99;
    /// <summary>Network is down (100).</summary>
    public const int ENETDOWN = 100;
    /// <summary>Network is unreachable (101).</summary>
    public const int ENETUNREACH = 101;
    /// <summary>Connection dropped by the network (102).</summary>
    public const int ENETRESET = 102;
    /// <summary>Connection aborted (103).</summary>
    public const int ECONNABORTED = 103;
    /// <summary>Connection reset by peer (104); also a refused connection in the device profile.</summary>
    public const int ECONNRESET = 104;
    /// <summary>No buffer space available (105); also a line or read beyond Usock's limits.</summary>
    public const int ENOBUFS = 105;
    /// <summary>Already connected (106).</summary>
    public const int EISCONN = 106;
    /// <summary>Not connected (107); also the first end of stream seen by Recv in the device profile.</summary>
    public const int ENOTCONN = 107;
    /// <summary>Cannot send after shutdown (108).</summary>
    public const int ESHUTDOWN = 108;
    /// <summary>Timed out (110).</summary>
    public const int ETIMEDOUT = 110;
    /// <summary>Connection refused (111), POSIX profile.</summary>
    public const int ECONNREFUSED = 111;
    /// <summary>Host is down (112).</summary>
    public const int EHOSTDOWN = 112;
    /// <summary>No route to host (113).</summary>
    public const int EHOSTUNREACH = 113;
    /// <summary>Operation already in progress (114); any second connect in the device profile.</summary>
    public const int EALREADY = 114;
    /// <summary>Operation now in progress (115): a non-blocking connect has started.</summary>
    public const int EINPROGRESS = 115;

    /// <summary>Name or service not known (-2): a failed lookup in the POSIX profile (CPython's value).</summary>
    public const int EAI_NONAME = -2;
    /// <summary>Temporary failure in name resolution (-3), POSIX profile.</summary>
    public const int EAI_AGAIN = -3;
    /// <summary>lwIP's EAI_FAIL, negated (-202): what the device raises for any failed lookup.</summary>
    public const int LWIP_EAI_FAIL = -202;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM",
        [ENOENT] = "ENOENT",
        [EINTR] = "EINTR",
        [EIO] = "EIO",
        [EBADF] = "EBADF",
        [EAGAIN] = "EAGAIN",
        [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES",
        [EFAULT] = "EFAULT",
        [EEXIST] = "EEXIST",
        [EINVAL] = "EINVAL",
        [ENFILE] = "ENFILE",
        [EMFILE] = "EMFILE",
        [EPIPE] = "EPIPE",
        [EDESTADDRREQ] = "EDESTADDRREQ",
        [EMSGSIZE] = "EMSGSIZE",
        [EPROTOTYPE] = "EPROTOTYPE",
        [ENOPROTOOPT] = "ENOPROTOOPT",
        [EPROTONOSUPPORT] = "EPROTONOSUPPORT",
        [ESOCKTNOSUPPORT] = "ESOCKTNOSUPPORT",
        [EOPNOTSUPP] = "EOPNOTSUPP",
        [EPFNOSUPPORT] = "EPFNOSUPPORT",
        [EAFNOSUPPORT] = "EAFNOSUPPORT",
        [EADDRINUSE] = "EADDRINUSE",
        [EADDRNOTAVAIL] = "EADDRNOTAVAIL",
        [ENETDOWN] = "ENETDOWN",
        [ENETUNREACH] = "ENETUNREACH",
        [ENETRESET] = "ENETRESET",
        [ECONNABORTED] = "ECONNABORTED",
        [ECONNRESET] = "ECONNRESET",
        [ENOBUFS] = "ENOBUFS",
        [EISCONN] = "EISCONN",
        [ENOTCONN] = "ENOTCONN",
        [ESHUTDOWN] = "ESHUTDOWN",
        [ETIMEDOUT] = "ETIMEDOUT",
        [ECONNREFUSED] = "ECONNREFUSED",
        [EHOSTDOWN] = "EHOSTDOWN",
        [EHOSTUNREACH] = "EHOSTUNREACH",
        [EALREADY] = "EALREADY",
        [EINPROGRESS] = "EINPROGRESS",
        [EAI_NONAME] = "EAI_NONAME",
        [EAI_AGAIN] = "EAI_AGAIN",
        [LWIP_EAI_FAIL] = "EAI_FAIL",
    };

    /// <summary>The symbolic name of an errno value (<c>"ETIMEDOUT"</c> for 110), or <c>null</c> if Usock has none.</summary>
    /// <param name="errno">An errno value.</param>
    /// <returns>The name, or <c>null</c>.</returns>
    public static string? Name(int errno) => Names.GetValueOrDefault(errno) ?? TlsErrno.Name(errno);

    /// <summary>Every errno value Usock can raise, with its name.</summary>
    public static IReadOnlyDictionary<int, string> All => Names;

    /// <summary>
    /// The one table from .NET's <see cref="SocketError"/> to errno. .NET already turned the kernel's errno
    /// into a <see cref="SocketError"/>; where that step merged several errno values, the row says which one we
    /// pick. Values that never reach Usock on any host are listed in <see cref="UnmappedSocketErrors"/>.
    /// </summary>
    internal static int FromSocketError(SocketError error) => error switch
    {
        SocketError.Success => 0,
        SocketError.AccessDenied => EACCES, // lossy: EPERM and EACCES both arrive as AccessDenied
        SocketError.AddressAlreadyInUse => EADDRINUSE,
        SocketError.AddressFamilyNotSupported => EAFNOSUPPORT,
        SocketError.AddressNotAvailable => EADDRNOTAVAIL,
        SocketError.AlreadyInProgress => EALREADY,
        SocketError.ConnectionAborted => ECONNABORTED,
        SocketError.ConnectionRefused => ECONNREFUSED, // the device profile turns this into ECONNRESET
        SocketError.ConnectionReset => ECONNRESET,
        SocketError.DestinationAddressRequired => EDESTADDRREQ,
        SocketError.Disconnecting => ESHUTDOWN, // Windows' WSAEDISCON; no POSIX twin
        SocketError.Fault => EFAULT,
        SocketError.HostDown => EHOSTDOWN,
        SocketError.HostNotFound => EAI_NONAME, // resolver error; profiles pick their own number
        SocketError.HostUnreachable => EHOSTUNREACH,
        SocketError.InProgress => EINPROGRESS,
        SocketError.Interrupted => EINTR,
        SocketError.InvalidArgument => EINVAL,
        SocketError.IOPending => EINPROGRESS, // Windows overlapped I/O; nearest meaning
        SocketError.IsConnected => EISCONN,
        SocketError.MessageSize => EMSGSIZE,
        SocketError.NetworkDown => ENETDOWN,
        SocketError.NetworkReset => ENETRESET,
        SocketError.NetworkUnreachable => ENETUNREACH,
        SocketError.NoBufferSpaceAvailable => ENOBUFS, // lossy: ENOMEM and ENOBUFS both arrive here on Unix
        SocketError.NoData => EAI_NONAME, // resolver: name has no address of the wanted family
        SocketError.NoRecovery => EAI_NONAME, // resolver: permanent failure
        SocketError.NotConnected => ENOTCONN,
        SocketError.NotSocket => EBADF, // lossy: ENOTSOCK; only a closed or foreign handle gets here
        SocketError.OperationAborted => EBADF, // a blocking call cut short by Close
        SocketError.OperationNotSupported => EOPNOTSUPP,
        SocketError.ProtocolFamilyNotSupported => EPFNOSUPPORT,
        SocketError.ProtocolNotSupported => EPROTONOSUPPORT,
        SocketError.ProtocolOption => ENOPROTOOPT,
        SocketError.ProtocolType => EPROTOTYPE,
        SocketError.Shutdown => EPIPE, // EPIPE on Unix: send after shutdown or after the peer went away
        SocketError.SocketNotSupported => ESOCKTNOSUPPORT,
        SocketError.TimedOut => ETIMEDOUT,
        SocketError.TooManyOpenSockets => EMFILE, // lossy: EMFILE and ENFILE both arrive as TooManyOpenSockets
        SocketError.TryAgain => EAI_AGAIN, // resolver's temporary failure
        SocketError.WouldBlock => EAGAIN,
        SocketError.ProcessLimit => EMFILE, // Windows' WSAEPROCLIM
        _ => EIO, // SocketError.SocketError (unknown) and the values in UnmappedSocketErrors
    };

    /// <summary>
    /// The one list of .NET exceptions that stand for an errno: a <see cref="SocketException"/> through
    /// <see cref="FromSocketError"/>, a disposed handle as 9 EBADF (the socket was closed under the call); <c>null</c>
    /// for anything else (a bug, to be seen as it is). The platform layer and the TLS failures use it.
    /// </summary>
    internal static int? FromException(Exception e) => e switch
    {
        SocketException se => FromSocketError(se.SocketErrorCode),
        ObjectDisposedException => EBADF,
        _ => null,
    };

    /// <summary>
    /// <see cref="SocketError"/> values that have no errno of their own and read as <see cref="EIO"/>:
    /// Windows start-up states and the catch-all that .NET uses for an error it could not translate.
    /// </summary>
    internal static readonly SocketError[] UnmappedSocketErrors =
    [
        SocketError.SocketError, SocketError.NotInitialized, SocketError.SystemNotReady,
        SocketError.VersionNotSupported, SocketError.TypeNotFound,
    ];
}
