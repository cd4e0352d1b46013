using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>socket(af, type, proto)</c>: defaults, argument checks, and protocols that do not change the socket.</summary>
public class ConstructorTests
{
    public static TheoryData<int> StreamAndDgramProtos => new() { 0, 6, 7, 8, 17 };

    [Fact]
    public void Defaults_AreTcpOverIpv4()
    {
        using var s = new USocket();
        Assert.Equal(USocket.AF_INET, s.Family);
        Assert.Equal(USocket.SOCK_STREAM, s.Type);
        Assert.Equal(USocket.IPPROTO_TCP, s.Proto);
        Assert.Equal(UsocketProfile.QuecPython, s.Profile);
        Assert.Null(s.Timeout);
        Assert.False(s.IsClosed);

        // Really TCP over IPv4: it can listen, and its wildcard name is IPv4's.
        s.Listen();
        Assert.Equal((int)TcpState.Listen, s.GetSocketSta());
        Assert.Equal("0.0.0.0", s.GetSockName().Host);
    }

    [Fact]
    public void Ipv6Stream_BindsIpv6Loopback()
    {
        using var s = new USocket(USocket.AF_INET6);
        s.Bind(("::1", 0));
        Assert.Equal("::1", s.GetSockName().Host);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(23)] // Windows' AF_INET6, not lwIP's
    public void UnknownFamily_RaisesEINVAL(int af)
    {
        Loopback.Raises(Errno.EINVAL, () => new USocket(af).Dispose());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(99)]
    [InlineData(-1)]
    public void UnknownType_RaisesEINVAL(int type)
    {
        Loopback.Raises(Errno.EINVAL, () => new USocket(USocket.AF_INET, type).Dispose());
    }

    [Theory]
    [InlineData(USocket.SOCK_STREAM, 1)]
    [InlineData(USocket.SOCK_STREAM, 9)]
    [InlineData(USocket.SOCK_STREAM, 255)]
    [InlineData(USocket.SOCK_STREAM, -1)]
    [InlineData(USocket.SOCK_DGRAM, 1)]
    [InlineData(USocket.SOCK_DGRAM, 18)]
    [InlineData(USocket.SOCK_DGRAM, -6)]
    public void OtherProto_ForStreamOrDgram_RaisesEPROTONOSUPPORT(int type, int proto)
    {
        Loopback.Raises(Errno.EPROTONOSUPPORT, () => new USocket(USocket.AF_INET, type, proto).Dispose());
    }

    [Theory]
    [MemberData(nameof(StreamAndDgramProtos))]
    public void AnyAcceptedProto_OnStream_GivesTcp(int proto)
    {
        using var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, proto);
        Assert.Equal(proto, l.Proto);
        l.Bind(("127.0.0.1", 0));
        l.Listen();
        l.SetTimeout(Loopback.Patience);

        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, proto);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());
        (USocket conn, _, _) = l.Accept();
        using (conn)
        {
            Assert.Equal(3, c.Send("tcp"));
            Assert.Equal("tcp"u8.ToArray(), conn.Read(3));
            Assert.Equal((int)TcpState.Established, c.GetSocketSta());
        }
    }

    [Theory]
    [MemberData(nameof(StreamAndDgramProtos))]
    public void AnyAcceptedProto_OnDgram_GivesUdp(int proto)
    {
        using var a = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, proto);
        using var b = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, proto);
        Assert.Equal(proto, a.Proto);
        a.Bind(("127.0.0.1", 0));
        b.Bind(("127.0.0.1", 0));
        a.SetTimeout(Loopback.Patience);
        Assert.Equal(4, b.SendTo("udp!"u8, a.GetSockName()));
        (byte[] bytes, (string host, int port)) = a.RecvFrom(100);
        Assert.Equal("udp!"u8.ToArray(), bytes);
        Assert.Equal("127.0.0.1", host);
        Assert.Equal(b.GetSockName().Port, port);

        // Not TCP: no listening, and no TCP state.
        Loopback.Raises(Errno.EOPNOTSUPP, () => a.Listen());
        Assert.Equal(0, a.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void ProfileOverload_SetsProfile(UsocketProfile profile)
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        Assert.Equal(profile, s.Profile);
    }

    [Fact]
    public void DefaultProfile_IsInitiallyQuecPython()
    {
        // Never set here: it is process-wide and tests run in parallel.
        Assert.Equal(UsocketProfile.QuecPython, USocket.DefaultProfile);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void UndefinedProfile_ThrowsArgumentOutOfRange(int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            "profile",
            () => new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, (UsocketProfile)value).Dispose());
    }

    [Fact]
    public void Dispose_ClosesTheSocket()
    {
        var s = new USocket();
        s.Dispose();
        Assert.True(s.IsClosed);
        Assert.Equal(-1, s.GetSocketSta());
        s.Dispose(); // idempotent
        Loopback.Raises(Errno.EBADF, () => s.Bind(("127.0.0.1", 0)));
    }
}
