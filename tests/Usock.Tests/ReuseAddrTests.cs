using System.Net.Sockets;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>SO_REUSEADDR with the native meaning, not .NET's (which sets it on every TCP bind and adds SO_REUSEPORT).</summary>
public class ReuseAddrTests
{
    [Fact]
    public void Bind_DoesNotTurnReuseAddrOn()
    {
        using var s = new USocket();
        s.Bind(("127.0.0.1", 0));
        Assert.Equal(0, RawOption(s, 1, 2)); // SOL_SOCKET, SO_REUSEADDR
    }

    [Fact]
    public void SetSockOpt_SetsReuseAddrOnly_NotReusePort()
    {
        using var s = new USocket();
        s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        Assert.Equal(1, RawOption(s, 1, 2));
        Assert.Equal(0, RawOption(s, 1, 15)); // SO_REUSEPORT
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SecondListener_OnSamePort_FailsEvenWithTheOption(bool reuse)
    {
        using USocket first = Loopback.Listener();
        if (reuse)
        {
            first.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        }

        using var second = new USocket();
        if (reuse)
        {
            second.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        }

        Loopback.Raises(Errno.EADDRINUSE, () =>
        {
            second.Bind(first.GetSockName());
            second.Listen();
        });
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void BindOverTimeWait_FailsWithout_WorksWithTheOption(int af)
    {
        (string host, int port) = LeaveTimeWaitOnPort(af);

        using var without = new USocket(af);
        Loopback.Raises(Errno.EADDRINUSE, () =>
        {
            without.Bind((host, port));
            without.Listen();
        });

        using var with = new USocket(af);
        with.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        with.Bind((host, port));
        with.Listen();
        Assert.Equal((int)TcpState.Listen, with.GetSocketSta());
    }

    // A server that closes first leaves its side of the connection in TIME_WAIT on the listening port.
    private static (string Host, int Port) LeaveTimeWaitOnPort(int af)
    {
        using USocket l = Loopback.Listener(af);
        l.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        (string host, int port) = l.GetSockName();
        using var client = new USocket(af);
        client.Connect((host, port));
        (USocket conn, _, _) = l.Accept();
        conn.Close();
        client.SetTimeout(Loopback.Patience);
        Assert.Empty(client.Read()!);
        client.Close();
        l.Close();
        Assert.True(Loopback.Eventually(() => System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties()
            .GetActiveTcpConnections().Any(c => c.LocalEndPoint.Port == port && c.State == System.Net.NetworkInformation.TcpState.TimeWait)));
        return (host, port);
    }

    internal static int RawOption(USocket s, int level, int name)
    {
        Span<byte> b = stackalloc byte[4];
        Socket raw = s.RawSocket!;
        raw.GetRawSocketOption(level, name, b);
        return BitConverter.ToInt32(b);
    }
}
