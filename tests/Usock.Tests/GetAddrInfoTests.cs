using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>getaddrinfo(host, port)</c>. Only IP literals, <c>localhost</c> and names under <c>.invalid</c> are used:
/// Usock answers all three without sending a DNS query.
/// </summary>
public class GetAddrInfoTests
{
    public static TheoryData<string> MalformedHosts => new()
    {
        "a b",
        "a..b",
        "-x.com",
        "x-.com",
        ".",
        "..",
        "a/b",
        "host:80",
        new string('a', 300),
        new string('a', 64) + ".com",
        string.Join('.', Enumerable.Repeat("abcdefghi", 26)), // 259 characters
    };

    [Theory]
    [InlineData("127.0.0.1", USocket.AF_INET, 80)]
    [InlineData("127.0.0.1", USocket.AF_INET, 0)]
    [InlineData("::1", USocket.AF_INET6, 65535)]
    [InlineData("::1", USocket.AF_INET6, 0)]
    public void Literal_DeviceProfile_IsOneEntry_WithHostAsGiven(string host, int af, int port)
    {
        IReadOnlyList<AddrInfo> infos = USocket.GetAddrInfo(host, port, UsocketProfile.QuecPython);
        AddrInfo info = Assert.Single(infos);
        Assert.Equal(new AddrInfo(af, 1, 0, host, (host, port)), info);
    }

    [Theory]
    [InlineData("127.0.0.1", USocket.AF_INET)]
    [InlineData("::1", USocket.AF_INET6)]
    public void Literal_PosixProfile_IsOneEntry_WithEmptyCanonName(string host, int af)
    {
        AddrInfo info = Assert.Single(USocket.GetAddrInfo(host, 8080, UsocketProfile.Posix));
        (int family, int type, _, string canon, (string ip, int port)) = info;
        Assert.Equal(af, family);
        Assert.Equal(USocket.SOCK_STREAM, type);
        Assert.Equal("", canon);
        Assert.Equal(host, ip);
        Assert.Equal(8080, port);
    }

    [Fact]
    public void EmptyHost_DeviceProfile_IsZeroAddress_AsCanonNameToo()
    {
        AddrInfo info = Assert.Single(USocket.GetAddrInfo("", 5000, UsocketProfile.QuecPython));
        Assert.Equal(new AddrInfo(USocket.AF_INET, 1, 0, "0.0.0.0", ("0.0.0.0", 5000)), info);
    }

    [Fact]
    public void EmptyHost_PosixProfile_IsZeroAddress()
    {
        AddrInfo info = Assert.Single(USocket.GetAddrInfo("", 5000, UsocketProfile.Posix));
        Assert.Equal(("0.0.0.0", 5000), info.SockAddr);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LocalHost")]
    [InlineData("localhost.")]
    public void Localhost_DeviceProfile_IsSingleIpv4Entry(string host)
    {
        AddrInfo info = Assert.Single(USocket.GetAddrInfo(host, 80, UsocketProfile.QuecPython));
        Assert.Equal(new AddrInfo(USocket.AF_INET, 1, 0, host, ("127.0.0.1", 80)), info);
    }

    [Fact]
    public void Localhost_PosixProfile_GivesEveryAddress()
    {
        IReadOnlyList<AddrInfo> infos = USocket.GetAddrInfo("localhost", 80, UsocketProfile.Posix);
        Assert.Equal(["127.0.0.1", "::1"], infos.Select(i => i.SockAddr.Host).Order(StringComparer.Ordinal));
        Assert.All(infos, i =>
        {
            Assert.Equal("", i.CanonName);
            Assert.Equal(80, i.SockAddr.Port);
            Assert.Equal(USocket.SOCK_STREAM, i.Type);
            Assert.Equal(i.SockAddr.Host.Contains(':', StringComparison.Ordinal) ? USocket.AF_INET6 : USocket.AF_INET, i.Family);
        });
    }

    [Fact]
    public void DefaultOverload_UsesDeviceProfile()
    {
        // DefaultProfile is never changed by the tests, so it is the device's.
        AddrInfo info = Assert.Single(USocket.GetAddrInfo("localhost", 1234));
        Assert.Equal(new AddrInfo(USocket.AF_INET, 1, 0, "localhost", ("127.0.0.1", 1234)), info);
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, -202)]
    [InlineData(UsocketProfile.Posix, -2)]
    public void Unresolvable_RaisesProfileErrno(UsocketProfile profile, int errno)
    {
        Loopback.Raises(errno, () => USocket.GetAddrInfo("nohost.invalid", 80, profile));
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, -202)]
    [InlineData(UsocketProfile.Posix, -2)]
    public void NotAnIpLiteral_RaisesLookupErrno(UsocketProfile profile, int errno)
    {
        Loopback.Raises(errno, () => USocket.GetAddrInfo("256.1.1.1", 80, profile));
    }

    [Fact]
    public void NullHost_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>("host", () => USocket.GetAddrInfo(null!, 80));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    [InlineData(int.MinValue)]
    public void PortOutOfRange_ThrowsArgumentOutOfRange(int port)
    {
        Assert.Throws<ArgumentOutOfRangeException>(nameof(port), () => USocket.GetAddrInfo("127.0.0.1", port, UsocketProfile.QuecPython));
        Assert.Throws<ArgumentOutOfRangeException>(nameof(port), () => USocket.GetAddrInfo("127.0.0.1", port, UsocketProfile.Posix));
    }

    [Theory]
    [MemberData(nameof(MalformedHosts))]
    public void MalformedHost_ThrowsArgumentException(string host)
    {
        Assert.Throws<ArgumentException>(nameof(host), () => USocket.GetAddrInfo(host, 80, UsocketProfile.QuecPython));
        Assert.Throws<ArgumentException>(nameof(host), () => USocket.GetAddrInfo(host, 80, UsocketProfile.Posix));
    }

    [Fact]
    public void UndefinedProfile_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>("profile", () => USocket.GetAddrInfo("127.0.0.1", 80, (UsocketProfile)7));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Result_ConnectsToALoopbackListener(int af)
    {
        using USocket l = Loopback.Listener(af);
        AddrInfo info = Assert.Single(USocket.GetAddrInfo(Loopback.Host(af), l.GetSockName().Port, UsocketProfile.QuecPython));
        using var c = new USocket(info.Family);
        c.SetTimeout(Loopback.Patience);
        c.Connect(info.SockAddr);
        Assert.Equal(l.GetSockName(), c.GetPeerName());
    }
}
