using System.Net;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>bind(address)</c>: port 0, the wildcard, errors, and a client's own local port (TCP_CUSTOMIZE_PORT).</summary>
public class BindTests
{
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void BindPortZero_PicksAPort(int af)
    {
        using var s = new USocket(af);
        Assert.Equal(0, s.GetSockName().Port);
        s.Bind((Loopback.Host(af), 0));
        (string host, int port) = s.GetSockName();
        Assert.Equal(Loopback.Host(af), host);
        Assert.InRange(port, 1, 65535);
    }

    [Theory]
    [InlineData(USocket.AF_INET, "0.0.0.0")]
    [InlineData(USocket.AF_INET6, "::")]
    public void BindEmptyHost_IsTheWildcard(int af, string wildcard)
    {
        using var s = new USocket(af);
        s.Bind(("", 0));
        (string host, int port) = s.GetSockName();
        Assert.Equal(wildcard, host);
        Assert.NotEqual(0, port);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void BindTwice_RaisesEINVAL(int af)
    {
        using var s = new USocket(af);
        s.Bind((Loopback.Host(af), 0));
        (string, int) first = s.GetSockName();
        Loopback.Raises(Errno.EINVAL, () => s.Bind((Loopback.Host(af), 0)));
        Assert.Equal(first, s.GetSockName());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void BindAfterConnect_RaisesEINVAL(int af)
    {
        using Pair p = Loopback.Connected(af);
        (string, int) local = p.Client.GetSockName();
        Loopback.Raises(Errno.EINVAL, () => p.Client.Bind((Loopback.Host(af), 0)));
        Assert.Equal(local, p.Client.GetSockName());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void BindAfterListenBoundImplicitly_RaisesEINVAL(int af)
    {
        using var l = new USocket(af);
        l.Listen();
        Loopback.Raises(Errno.EINVAL, () => l.Bind((Loopback.Host(af), 0)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void BindToAListenersPort_RaisesEADDRINUSE(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var s = new USocket(af);
        Loopback.Raises(Errno.EADDRINUSE, () => s.Bind(l.GetSockName()));
    }

    [Fact]
    public void UdpBindToABoundUdpPort_RaisesEADDRINUSE()
    {
        using var a = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        a.Bind(("127.0.0.1", 0));
        using var b = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        Loopback.Raises(Errno.EADDRINUSE, () => b.Bind(a.GetSockName()));
    }

    [Theory]
    [InlineData(USocket.AF_INET, "::1")]
    [InlineData(USocket.AF_INET6, "127.0.0.1")]
    public void LiteralOfTheOtherFamily_ThrowsArgumentException(int af, string host)
    {
        using var s = new USocket(af);
        Assert.Throws<ArgumentException>("address", () => s.Bind((host, 0)));
        Assert.Equal(0, s.GetSockName().Port);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void EndPointOverload_Binds(int af)
    {
        using var s = new USocket(af);
        s.Bind(new IPEndPoint(IPAddress.Parse(Loopback.Host(af)), 0));
        (string host, int port) = s.GetSockName();
        Assert.Equal(Loopback.Host(af), host);
        Assert.NotEqual(0, port);
    }

    [Fact]
    public void EndPointOfTheOtherFamily_ThrowsArgumentException()
    {
        using var s = new USocket(USocket.AF_INET);
        Assert.Throws<ArgumentException>("endPoint", () => s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0)));
        using var s6 = new USocket(USocket.AF_INET6);
        Assert.Throws<ArgumentException>("endPoint", () => s6.Bind(new IPEndPoint(IPAddress.Loopback, 0)));
    }

    [Fact]
    public void NullHost_ThrowsArgumentNull()
    {
        using var s = new USocket();
        Assert.Throws<ArgumentNullException>(() => s.Bind((null!, 0)));
        Assert.Throws<ArgumentNullException>("endPoint", () => s.Bind((IPEndPoint)null!));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void PortOutOfRange_ThrowsArgumentOutOfRange(int port)
    {
        using var s = new USocket();
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Bind(("127.0.0.1", port)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void BindLocalhostName_Resolves(int af)
    {
        using var s = new USocket(af);
        s.Bind(("localhost", 0));
        Assert.Equal(Loopback.Host(af), s.GetSockName().Host);
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.LWIP_EAI_FAIL)]
    [InlineData(UsocketProfile.Posix, Errno.EAI_NONAME)]
    public void BindToUnresolvableName_RaisesLookupErrno(UsocketProfile profile, int errno)
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        Loopback.Raises(errno, () => s.Bind(("nohost.invalid", 0)));
        Assert.Equal(0, s.GetSockName().Port);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("-x.com")]
    public void BindToMalformedHost_ThrowsArgumentException(string host)
    {
        using var s = new USocket();
        Assert.Throws<ArgumentException>("address", () => s.Bind((host, 0)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void CustomizePortClient_ServerSeesThatSourcePort(int af)
    {
        using USocket l = Loopback.Listener(af);
        l.SetTimeout(Loopback.Patience);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.TCP_CUSTOMIZE_PORT);
        c.Bind((Loopback.Host(af), 0));
        (string host, int port) = c.GetSockName();
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());

        (USocket conn, string address, int peerPort) = l.Accept();
        using (conn)
        {
            Assert.Equal(host, address);
            Assert.Equal(port, peerPort);
            Assert.Equal((host, port), c.GetSockName());
            Assert.Equal((host, port), conn.GetPeerName());
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void UdpSendToWithoutBind_BindsImplicitly_AndGetSockNameShowsThePort(int af)
    {
        using var server = new USocket(af, USocket.SOCK_DGRAM);
        server.Bind((Loopback.Host(af), 0));
        server.SetTimeout(Loopback.Patience);
        using var c = new USocket(af, USocket.SOCK_DGRAM);
        c.SendTo("hi"u8, server.GetSockName());

        (_, (string _, int port)) = server.RecvFrom(10);
        Assert.Equal(port, c.GetSockName().Port);
        Assert.NotEqual(0, port);
    }

    [Fact]
    public void BindAfterClose_RaisesEBADF()
    {
        var s = new USocket();
        s.Close();
        Loopback.Raises(Errno.EBADF, () => s.Bind(("127.0.0.1", 0)));
    }
}
