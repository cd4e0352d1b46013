namespace Usock;

/// <summary>One entry of <see cref="USocket.GetAddrInfo(string, int)"/>: the module's 5-tuple.</summary>
/// <param name="Family">Address family: <see cref="USocket.AF_INET"/> (2) or <see cref="USocket.AF_INET6"/> (10).</param>
/// <param name="Type">Socket type; the device always reports <see cref="USocket.SOCK_STREAM"/> (1).</param>
/// <param name="Proto">Protocol; the device always reports 0.</param>
/// <param name="CanonName">The host as given (device profile) or <c>""</c> (POSIX profile, as CPython).</param>
/// <param name="SockAddr">The address to pass to <see cref="USocket.Connect(ValueTuple{string, int})"/>.</param>
public readonly record struct AddrInfo(int Family, int Type, int Proto, string CanonName, (string Host, int Port) SockAddr);
