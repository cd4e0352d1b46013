using Microsoft.Extensions.Logging;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>setsockopt</c>: TCP_KEEPALIVE in minutes becomes the kernel's keepalive settings, SO_REUSEADDR on and off,
/// the level ignored, bad values, and unknown options by profile. Kernel values are read back through the raw socket.
/// </summary>
public class SetSockOptTests
{
    // Linux numbers, for reading the kernel's view back.
    private const int LinuxSolSocket = 1;
    private const int LinuxSoReuseAddr = 2;
    private const int LinuxSoKeepAlive = 9;
    private const int LinuxIpProtoTcp = 6;
    private const int LinuxTcpKeepIdle = 4;
    private const int LinuxTcpKeepIntvl = 5;
    private const int LinuxTcpKeepCnt = 6;

    public static TheoryData<int, int> KeepAliveValuesAndLevels => new()
    {
        { 1, USocket.SOL_SOCKET },
        { 60, USocket.SOL_SOCKET },
        { 120, USocket.SOL_SOCKET },
        { 1, USocket.IPPROTO_TCP },
        { 60, USocket.IPPROTO_TCP },
        { 120, USocket.IPPROTO_TCP },
        { 7, 0 },
    };

    [Theory]
    [MemberData(nameof(KeepAliveValuesAndLevels))]
    public void TcpKeepAlive_SetsKeepAliveIdleIntervalAndCount_WhateverTheLevel(int minutes, int level)
    {
        SkipUnlessLinux();
        using var s = new USocket();
        Assert.Equal(0, Raw(s, LinuxSolSocket, LinuxSoKeepAlive));

        s.SetSockOpt(level, USocket.TCP_KEEPALIVE, minutes);

        Assert.Equal(1, Raw(s, LinuxSolSocket, LinuxSoKeepAlive));
        Assert.Equal(minutes * 60, Raw(s, LinuxIpProtoTcp, LinuxTcpKeepIdle));
        Assert.Equal(25, Raw(s, LinuxIpProtoTcp, LinuxTcpKeepIntvl));
        Assert.Equal(3, Raw(s, LinuxIpProtoTcp, LinuxTcpKeepCnt));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void TcpKeepAlive_OnAConnectedSocket_AppliesAndTheConnectionWorks(int af)
    {
        SkipUnlessLinux();
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);

        p.Server.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 2);

        Assert.Equal(1, Raw(p.Server, LinuxSolSocket, LinuxSoKeepAlive));
        Assert.Equal(120, Raw(p.Server, LinuxIpProtoTcp, LinuxTcpKeepIdle));
        p.Server.SendAll("ka");
        p.Client.SetTimeout(Loopback.Patience);
        Wire.Equal("ka"u8.ToArray(), p.Client.Read(2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(121)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void TcpKeepAlive_OutsideOneTo120_RaisesEINVAL_AndChangesNothing(int minutes)
    {
        using var s = new USocket();

        Loopback.Raises(Errno.EINVAL, () => s.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, minutes));
        Loopback.Raises(Errno.EINVAL, () => s.SetSockOpt(USocket.IPPROTO_TCP, USocket.TCP_KEEPALIVE, minutes));

        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(0, Raw(s, LinuxSolSocket, LinuxSoKeepAlive));
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void TcpKeepAlive_OutOfRange_RaisesEINVAL_InBothProfiles_EvenOnUdp(UsocketProfile profile)
    {
        using var tcp = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        using var udp = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, profile);

        Loopback.Raises(Errno.EINVAL, () => tcp.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 0));
        Loopback.Raises(Errno.EINVAL, () => udp.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 121));
    }

    [Fact]
    public void TcpKeepAlive_OnUdp_DeviceIgnores_PosixRaisesENOPROTOOPT()
    {
        using var device = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, UsocketProfile.QuecPython);
        using var posix = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, UsocketProfile.Posix);

        device.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 5);
        Loopback.Raises(Errno.ENOPROTOOPT, () => posix.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 5));
    }

    [Fact]
    public void SpanValue_FourBytes_Works()
    {
        SkipUnlessLinux();
        using var s = new USocket();

        s.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, BitConverter.GetBytes(3));
        s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, BitConverter.GetBytes(1).AsSpan());

        Assert.Equal(180, Raw(s, LinuxIpProtoTcp, LinuxTcpKeepIdle));
        Assert.Equal(1, Raw(s, LinuxSolSocket, LinuxSoReuseAddr));
        Loopback.Raises(Errno.EINVAL, () => s.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, BitConverter.GetBytes(0)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    public void SpanValue_NotFourBytes_ThrowsArgumentException(int length)
    {
        using var s = new USocket();

        var e1 = Assert.Throws<ArgumentException>(() => s.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, new byte[length]));
        var e2 = Assert.Throws<ArgumentException>(() => s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, new byte[length]));

        Assert.Equal("value", e1.ParamName);
        Assert.Equal("value", e2.ParamName);
    }

    [Theory]
    [InlineData(12345)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(9)]
    public void UnknownOption_DeviceProfile_LogsAWarning_AndRaisesNothing(int optname)
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.QuecPython);
        var log = new ListLogger();
        s.Logger = log;

        s.SetSockOpt(USocket.SOL_SOCKET, optname, 1);
        s.SetSockOpt(USocket.SOL_SOCKET, optname, new byte[3]);

        Assert.Equal(2, log.Warnings.Count);
        Assert.Contains(optname.ToString(System.Globalization.CultureInfo.InvariantCulture), log.Warnings[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12345)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(9)]
    public void UnknownOption_PosixProfile_RaisesENOPROTOOPT(int optname)
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);

        Loopback.Raises(Errno.ENOPROTOOPT, () => s.SetSockOpt(USocket.SOL_SOCKET, optname, 1));
        Loopback.Raises(Errno.ENOPROTOOPT, () => s.SetSockOpt(USocket.SOL_SOCKET, optname, new byte[4]));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReuseAddr_ZeroAfterOne_TurnsItOff(int af)
    {
        SkipUnlessLinux();
        using var s = new USocket(af);

        s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        Assert.Equal(1, Raw(s, LinuxSolSocket, LinuxSoReuseAddr));
        s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 0);
        Assert.Equal(0, Raw(s, LinuxSolSocket, LinuxSoReuseAddr));
        s.SetSockOpt(0, USocket.SO_REUSEADDR, 42); // any non-zero value, any level
        Assert.Equal(1, Raw(s, LinuxSolSocket, LinuxSoReuseAddr));
    }

    [Fact]
    public void ReuseAddr_OnUdp_Works()
    {
        SkipUnlessLinux();
        using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);

        u.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);

        Assert.Equal(1, Raw(u, LinuxSolSocket, LinuxSoReuseAddr));
    }

    private static void SkipUnlessLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Reads the kernel's option values with Linux's numbers.");
        }
    }

    private static int Raw(USocket s, int level, int name)
    {
        Span<byte> b = stackalloc byte[4];
        Assert.Equal(4, s.RawSocket!.GetRawSocketOption(level, name, b));
        return BitConverter.ToInt32(b);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
