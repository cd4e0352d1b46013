using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// GetSockName while a connect is still in SYN_SENT (issue 9, defect 4): the kernel has already bound the socket to
/// a real local address and port, and GetSockName must say so instead of ("0.0.0.0", 0).
/// </summary>
public class ConnectingSockNameTests
{
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AfterANonBlockingConnect_GetSockName_IsTheBoundAddress(int af)
    {
        using var silent = new SilentListener(af);
        using var c = new USocket(af);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(silent.Address));
        Assert.Equal((int)TcpState.SynSent, c.GetSocketSta());
        AssertBound(c, af, silent.Address.Port);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AfterATimedOutConnect_GetSockName_IsTheBoundAddress(int af)
    {
        using var silent = new SilentListener(af);
        using var c = new USocket(af);
        c.SetTimeout(0.2);
        Loopback.Raises(Errno.ETIMEDOUT, () => c.Connect(silent.Address));
        AssertBound(c, af, silent.Address.Port);
    }

    private static void AssertBound(USocket c, int af, int remotePort)
    {
        (string host, int port) = c.GetSockName();
        List<int> kernel = SynSentLocalPorts(af, remotePort);
        TestContext.Current.TestOutputHelper?.WriteLine($"GetSockName {host}:{port}; kernel's SYN_SENT local ports to {remotePort}: {string.Join(", ", kernel)}");
        Assert.Equal(Loopback.Host(af), host);
        Assert.InRange(port, 1, 65535);
        Assert.Contains(port, kernel);
    }

    /// <summary>The local ports of the kernel's SYN_SENT connections to <paramref name="remotePort"/>, from /proc/net/tcp(6).</summary>
    private static List<int> SynSentLocalPorts(int af, int remotePort)
    {
        string table = af == USocket.AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
        var ports = new List<int>();
        foreach (string line in File.ReadLines(table).Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int local = Convert.ToInt32(f[1][(f[1].IndexOf(':', StringComparison.Ordinal) + 1)..], 16);
            int remote = Convert.ToInt32(f[2][(f[2].IndexOf(':', StringComparison.Ordinal) + 1)..], 16);
            if (remote == remotePort && f[3] == "02")
            {
                ports.Add(local);
            }
        }

        return ports;
    }
}
