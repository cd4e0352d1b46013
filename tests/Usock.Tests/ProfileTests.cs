using Microsoft.Extensions.Logging;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The spec's "Two profiles" table, one test per row: what the device (QuecPython) does and what the portable (Posix)
/// profile does in the same situation.
/// </summary>
public class ProfileTests
{
    private const int UnknownOption = 99;

    // Row: connection refused.
    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.ECONNRESET)]
    [InlineData(UsocketProfile.Posix, Errno.ECONNREFUSED)]
    public void ConnectionRefused_RaisesProfileErrno(UsocketProfile profile, int errno)
    {
        using USocket closedPort = ConnectTests.BoundNotListening(USocket.AF_INET);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(Loopback.Patience);
        UsocketException e = Loopback.Raises(errno, () => c.Connect(closedPort.GetSockName()));
        Assert.StartsWith($"[Errno {errno}] ", e.Message, StringComparison.Ordinal);
    }

    // Row: end of stream, first Recv.
    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.ENOTCONN)]
    [InlineData(UsocketProfile.Posix, 0)]
    public void EndOfStream_FirstRecv_RaisesOnlyOnTheDevice(UsocketProfile profile, int firstErrno)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.Close();

        if (firstErrno != 0)
        {
            Loopback.Raises(firstErrno, () => p.Client.Recv(10));
        }

        Assert.Empty(p.Client.Recv(10));
        Assert.Empty(p.Client.Recv(10));
        Assert.Equal(0, p.Client.RecvInto(new byte[10]));
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.ENOTCONN)]
    [InlineData(UsocketProfile.Posix, 0)]
    public void EndOfStream_FirstRecvInto_RaisesOnlyOnTheDevice(UsocketProfile profile, int firstErrno)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.Shutdown(USocket.SHUT_WR);

        if (firstErrno != 0)
        {
            Loopback.Raises(firstErrno, () => p.Client.RecvInto(new byte[10]));
        }

        Assert.Equal(0, p.Client.RecvInto(new byte[10]));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void EndOfStream_DataBeforeItArrivesFirst_InBothProfiles(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.SendAll("tail"u8);
        p.Server.Close();

        Assert.Equal("tail"u8.ToArray(), p.Client.Read(4));
        if (profile == UsocketProfile.QuecPython)
        {
            Loopback.Raises(Errno.ENOTCONN, () => p.Client.Recv(10));
        }

        Assert.Empty(p.Client.Recv(10));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void EndOfStream_StreamMethods_ReturnEmptyInBothProfiles(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.Close();

        AssertEmpty(p.Client.Read(10));
        AssertEmpty(p.Client.ReadLine());
        AssertEmpty(p.Client.Read());
        Assert.Equal(0, p.Client.ReadInto(new byte[10]));
    }

    // Row: DNS failure in GetAddrInfo / Connect.
    [Theory]
    [InlineData(UsocketProfile.QuecPython, -202)]
    [InlineData(UsocketProfile.Posix, -2)]
    public void DnsFailure_RaisesProfileErrno(UsocketProfile profile, int errno)
    {
        Loopback.Raises(errno, () => USocket.GetAddrInfo("nohost.invalid", 80, profile));
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(errno, () => c.Connect(("nohost.invalid", 80)));
    }

    // Row: Send of empty data.
    [Theory]
    [InlineData(UsocketProfile.QuecPython, Mode.Blocking, Errno.ETIMEDOUT)]
    [InlineData(UsocketProfile.QuecPython, Mode.Timeout, Errno.ETIMEDOUT)]
    [InlineData(UsocketProfile.QuecPython, Mode.NonBlocking, Errno.EAGAIN)]
    [InlineData(UsocketProfile.Posix, Mode.Blocking, 0)]
    [InlineData(UsocketProfile.Posix, Mode.Timeout, 0)]
    [InlineData(UsocketProfile.Posix, Mode.NonBlocking, 0)]
    public void SendEmpty_RaisesOnTheDevice_ReturnsZeroOnPosix(UsocketProfile profile, Mode mode, int errno)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        Loopback.Apply(p.Client, mode);
        if (errno != 0)
        {
            Loopback.Raises(errno, () => p.Client.Send([]));
            Loopback.Raises(errno, () => p.Client.Send(""));
            Loopback.Raises(errno, () => p.Client.SendAll(ReadOnlySpan<byte>.Empty));
        }
        else
        {
            Assert.Equal(0, p.Client.Send([]));
            Assert.Equal(0, p.Client.Send(""));
            p.Client.SendAll(ReadOnlySpan<byte>.Empty);
        }

        // The connection is unharmed either way.
        Assert.Equal(1, p.Client.Send("x"));
        p.Server.SetTimeout(Loopback.Patience);
        Assert.Equal("x"u8.ToArray(), p.Server.Recv(10));
    }

    // Row: unknown option in SetSockOpt.
    [Fact]
    public void UnknownSockOpt_DeviceProfile_LogsAWarning()
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.QuecPython);
        var log = new CapturingLogger();
        s.Logger = log;

        s.SetSockOpt(USocket.SOL_SOCKET, UnknownOption, 1);
        s.SetSockOpt(USocket.SOL_SOCKET, UnknownOption, [1, 0, 0, 0]);

        Assert.Equal(2, log.Entries.Length);
        Assert.All(log.Entries, e =>
        {
            Assert.Equal(LogLevel.Warning, e.Level);
            Assert.Contains(UnknownOption.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        });
        Assert.False(s.IsClosed);
    }

    [Fact]
    public void KnownSockOpt_DeviceProfile_LogsNothing()
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.QuecPython);
        var log = new CapturingLogger();
        s.Logger = log;
        s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        s.SetSockOpt(USocket.IPPROTO_TCP, USocket.TCP_KEEPALIVE, 1);
        Assert.Empty(log.Entries);
    }

    [Fact]
    public void UnknownSockOpt_PosixProfile_RaisesENOPROTOOPT()
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        var log = new CapturingLogger();
        s.Logger = log;
        Loopback.Raises(Errno.ENOPROTOOPT, () => s.SetSockOpt(USocket.SOL_SOCKET, UnknownOption, 1));
        Loopback.Raises(Errno.ENOPROTOOPT, () => s.SetSockOpt(USocket.SOL_SOCKET, UnknownOption, [1, 0, 0, 0]));
        Assert.Empty(log.Entries);
    }

    // Row: GetAddrInfo with several addresses.
    [Theory]
    [InlineData(UsocketProfile.QuecPython, new[] { "127.0.0.1" })]
    [InlineData(UsocketProfile.Posix, new[] { "127.0.0.1", "::1" })]
    public void GetAddrInfo_Localhost_OneEntryOrAll(UsocketProfile profile, string[] addresses)
    {
        IReadOnlyList<AddrInfo> infos = USocket.GetAddrInfo("localhost", 80, profile);
        Assert.Equal(addresses, infos.Select(i => i.SockAddr.Host).Order(StringComparer.Ordinal));
        Assert.Equal(profile == UsocketProfile.QuecPython ? "localhost" : "", infos[0].CanonName);
    }

    // Row: second Connect.
    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.EALREADY)]
    [InlineData(UsocketProfile.Posix, Errno.EISCONN)]
    public void SecondConnect_AfterSuccess(UsocketProfile profile, int errno)
    {
        using USocket l = Loopback.Listener(USocket.AF_INET, profile);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());
        Loopback.Raises(errno, () => c.Connect(l.GetSockName()));
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.ECONNRESET, Errno.EALREADY)]
    [InlineData(UsocketProfile.Posix, Errno.ECONNREFUSED, 0)]
    public void SecondConnect_AfterRefusal(UsocketProfile profile, int refused, int second)
    {
        using USocket port = ConnectTests.BoundNotListening(USocket.AF_INET);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(refused, () => c.Connect(port.GetSockName()));

        port.Listen();
        if (second != 0)
        {
            Loopback.Raises(second, () => c.Connect(port.GetSockName()));
            Assert.Equal((int)TcpState.Closed, c.GetSocketSta());
        }
        else
        {
            c.Connect(port.GetSockName());
            Assert.Equal((int)TcpState.Established, c.GetSocketSta());
        }
    }

    private static void AssertEmpty(byte[]? bytes)
    {
        Assert.NotNull(bytes);
        Assert.Empty(bytes);
    }

    /// <summary>An <see cref="ILogger"/> that keeps what it is given.</summary>
    private sealed class CapturingLogger : ILogger
    {
        private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

        public (LogLevel Level, EventId Id, string Message)[] Entries
        {
            get
            {
                lock (_entries)
                {
                    return _entries.ToArray();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_entries)
            {
                _entries.Add((logLevel, eventId, formatter(state, exception)));
            }
        }
    }
}
