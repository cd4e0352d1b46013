namespace Usock;

/// <summary>Which behaviour a socket copies where the device and POSIX disagree.</summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>situation</term><description>QuecPython (default) / Posix</description></listheader>
/// <item><term>connection refused</term><description>104 ECONNRESET / 111 ECONNREFUSED</description></item>
/// <item><term>end of stream, first Recv</term><description>raises 107 ENOTCONN, then empty / empty</description></item>
/// <item><term>DNS failure</term><description>-202 / -2 (EAI_NONAME)</description></item>
/// <item><term>Send of empty data</term><description>raises 110 (11 non-blocking) / returns 0</description></item>
/// <item><term>unknown SetSockOpt option</term><description>logged warning / 92 ENOPROTOOPT</description></item>
/// <item><term>GetAddrInfo</term><description>one entry, IPv4 first / every address</description></item>
/// <item><term>second Connect</term><description>114 always / 106 once connected, retry after failure works</description></item>
/// </list>
/// </remarks>
public enum UsocketProfile
{
    /// <summary>The firmware's behaviour (default): what device programs were written against.</summary>
    QuecPython = 0,

    /// <summary>The portable behaviour of CPython and POSIX sockets.</summary>
    Posix = 1,
}
