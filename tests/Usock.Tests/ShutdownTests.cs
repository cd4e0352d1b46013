using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>The extensions <c>shutdown</c>, <c>getsockname</c> and <c>getpeername</c>, as CPython's.</summary>
public class ShutdownTests
{
    private const double Long = Loopback.Patience;

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ShutdownWrite_PeerReadsEndOfStream_WhileWeStillReceive(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Server, mode, Long);
        Loopback.Apply(p.Client, mode, Long);
        p.Client.SendAll("last words");

        p.Client.Shutdown(USocket.SHUT_WR);

        Wire.WaitPeerFin(p.Server);
        Wire.Equal("last words"u8.ToArray(), p.Server.Read());
        Wire.Equal([], p.Server.Read(1));
        p.Server.SendAll("reply");
        Wire.WaitAvailable(p.Client, 5);
        Wire.Equal("reply"u8.ToArray(), p.Client.Read(5));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ShutdownWrite_ThenSend_RaisesEPIPE(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);

        p.Client.Shutdown(USocket.SHUT_WR);

        Loopback.Raises(Errno.EPIPE, () => p.Client.Send("late"));
        Loopback.Raises(Errno.EPIPE, () => p.Client.SendAll("late"));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ShutdownRead_ReadSeesEndOfStream_WhileWeStillSend(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SetTimeout(Long);

        p.Client.Shutdown(USocket.SHUT_RD);

        Wire.Equal([], p.Client.Read(10)); // at once, not after the timeout
        Wire.Equal([], p.Client.ReadLine());
        p.Client.SendAll("still sending");
        Wire.Equal("still sending"u8.ToArray(), p.Server.Read(13));
        Assert.Equal((int)TcpState.Established, p.Server.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ShutdownBoth_PeerSeesEndOfStream_AndWeCannotSend(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Server.SetTimeout(Long);
        p.Client.SetTimeout(Long);

        p.Client.Shutdown(USocket.SHUT_RDWR);

        Wire.Equal([], p.Server.Read());
        Wire.Equal([], p.Client.Read(1));
        Loopback.Raises(Errno.EPIPE, () => p.Client.Send("x"));
        Assert.False(p.Client.IsClosed);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void Shutdown_InvalidHow_ThrowsArgumentOutOfRange(int how)
    {
        using Pair p = Loopback.Connected();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => p.Client.Shutdown(how));

        Assert.Equal("how", e.ParamName);
        Assert.Equal((int)TcpState.Established, p.Client.GetSocketSta());
    }

    [Theory]
    [InlineData(USocket.SHUT_RD)]
    [InlineData(USocket.SHUT_WR)]
    [InlineData(USocket.SHUT_RDWR)]
    public void Shutdown_Unconnected_RaisesENOTCONN(int how)
    {
        using var s = new USocket();
        using var bound = new USocket(USocket.AF_INET6);
        bound.Bind(("::1", 0));

        Loopback.Raises(Errno.ENOTCONN, () => s.Shutdown(how));
        Loopback.Raises(Errno.ENOTCONN, () => bound.Shutdown(how));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void GetSockNameAndGetPeerName_MirrorEachOther(int af)
    {
        using USocket l = Loopback.Listener(af);
        (string lhost, int lport) = l.GetSockName();
        using var c = new USocket(af);
        c.Connect((lhost, lport));
        (USocket conn, string chost, int cport) = l.Accept();
        using (conn)
        {
            Assert.Equal(Loopback.Host(af), lhost);
            Assert.InRange(lport, 1, 65535);
            Assert.Equal((lhost, lport), c.GetPeerName());
            Assert.Equal((lhost, lport), conn.GetSockName());
            Assert.Equal(c.GetSockName(), conn.GetPeerName());
            Assert.Equal((chost, cport), c.GetSockName());
            Assert.NotEqual(lport, cport);
        }
    }

    [Theory]
    [InlineData(USocket.AF_INET, "0.0.0.0")]
    [InlineData(USocket.AF_INET6, "::")]
    public void GetSockName_Unbound_IsWildcardPortZero(int af, string wildcard)
    {
        using var s = new USocket(af);
        Assert.Equal((wildcard, 0), s.GetSockName());
    }

    [Theory]
    [InlineData(USocket.AF_INET, "", "0.0.0.0")]
    [InlineData(USocket.AF_INET6, "", "::")]
    [InlineData(USocket.AF_INET, "127.0.0.1", "127.0.0.1")]
    [InlineData(USocket.AF_INET6, "::1", "::1")]
    public void GetSockName_AfterBind_ReportsTheAddressAndAPickedPort(int af, string bindHost, string expected)
    {
        using var s = new USocket(af);
        s.Bind((bindHost, 0));

        (string host, int port) = s.GetSockName();

        Assert.Equal(expected, host);
        Assert.InRange(port, 1, 65535);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void GetPeerName_Unconnected_RaisesENOTCONN(int af)
    {
        using var fresh = new USocket(af);
        using USocket listener = Loopback.Listener(af);

        Loopback.Raises(Errno.ENOTCONN, () => fresh.GetPeerName());
        Loopback.Raises(Errno.ENOTCONN, () => listener.GetPeerName());
    }

    [Fact]
    public void GetPeerName_AfterPeerClosed_StillReportsThePeer()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        (string Host, int Port) peer = p.Client.GetPeerName();
        p.Server.Close();
        p.Client.SetTimeout(Long);
        Wire.Equal([], p.Client.Read());

        Assert.Equal(peer, p.Client.GetPeerName());
        Assert.Equal("127.0.0.1", peer.Host);
    }
}
