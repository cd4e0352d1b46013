using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// IPv6 sockets are dual-stack by default, as lwIP's and Linux's are (issue 9, defect 5): an AF_INET6 socket reaches
/// an IPv4 listener through "::ffff:a.b.c.d", an AF_INET6 listener bound to "" accepts IPv4 clients, and
/// IPV6_V6ONLY (level IPPROTO_IPV6 = 41, option 27, lwIP's numbers) set before bind makes it IPv6-only.
/// </summary>
public class DualStackTests
{
    // USocket.IPPROTO_IPV6 and USocket.IPV6_V6ONLY (lwIP's values), written as numbers so this compiles before them.
    private const int IPPROTO_IPV6 = 41;
    private const int IPV6_V6ONLY = 27;

    [Fact]
    public void Inet6Socket_ConnectsToAnIpv4Listener_ThroughAMappedAddress_AndDataFlowsBothWays()
    {
        using USocket l = Loopback.Listener(USocket.AF_INET);
        l.SetTimeout(Loopback.Patience);
        using var c = new USocket(USocket.AF_INET6);
        c.SetTimeout(Loopback.Patience);
        c.Connect(("::ffff:127.0.0.1", l.GetSockName().Port));
        (USocket conn, string host, int port) = l.Accept();
        using (conn)
        {
            conn.SetTimeout(Loopback.Patience);
            Assert.Equal("127.0.0.1", host);
            Assert.Equal(c.GetSockName().Port, port);
            c.SendAll("from six"u8);
            Assert.Equal("from six"u8.ToArray(), Wire.ReadExactly(conn, 8));
            conn.SendAll("from four"u8);
            Assert.Equal("from four"u8.ToArray(), Wire.ReadExactly(c, 9));
            Assert.Equal("::ffff:127.0.0.1", c.GetPeerName().Host);
        }
    }

    [Fact]
    public void Inet6ListenerOnAnyAddress_AcceptsAnIpv4Client_AsAMappedAddress()
    {
        using var l = new USocket(USocket.AF_INET6, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        l.Bind(("", 0));
        l.Listen(4);
        l.SetTimeout(Loopback.Patience);
        using var c = new USocket(USocket.AF_INET);
        c.SetTimeout(Loopback.Patience);
        c.Connect(("127.0.0.1", l.GetSockName().Port));
        (USocket conn, string host, int port) = l.Accept();
        using (conn)
        {
            conn.SetTimeout(Loopback.Patience);
            Assert.Equal("::ffff:127.0.0.1", host);
            Assert.Equal(c.GetSockName().Port, port);
            c.SendAll("v4"u8);
            Assert.Equal("v4"u8.ToArray(), Wire.ReadExactly(conn, 2));
            conn.SendAll("v6"u8);
            Assert.Equal("v6"u8.ToArray(), Wire.ReadExactly(c, 2));
        }
    }

    [Fact]
    public void V6Only_SetBeforeBind_RefusesIpv4Clients_AndStillAcceptsIpv6()
    {
        using var l = new USocket(USocket.AF_INET6, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        l.SetSockOpt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
        l.Bind(("", 0));
        l.Listen(4);
        int port = l.GetSockName().Port;

        using var c4 = new USocket(USocket.AF_INET);
        c4.SetTimeout(Loopback.Patience);
        var e = Assert.Throws<UsocketException>(() => c4.Connect(("127.0.0.1", port)));
        Assert.Contains(e.Errno, new[] { Errno.ECONNREFUSED, Errno.ECONNRESET }); // the profile's word for "refused"

        using var c6 = new USocket(USocket.AF_INET6);
        c6.SetTimeout(Loopback.Patience);
        c6.Connect(("::1", port));
        l.SetTimeout(Loopback.Patience);
        (USocket conn, string host, _) = l.Accept();
        conn.Close();
        Assert.Equal("::1", host);
    }
}
