using System.Diagnostics;
using System.Net;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>close()</c>: idempotent, every later call raises 9 EBADF, and a blocked call is ended by it.</summary>
public class CloseTests
{
    private static readonly Dictionary<string, Action<USocket>> Members = new()
    {
        ["Bind"] = s => s.Bind(("127.0.0.1", 0)),
        ["BindEndPoint"] = s => s.Bind(new IPEndPoint(IPAddress.Loopback, 0)),
        ["Listen"] = s => s.Listen(),
        ["Accept"] = s => s.Accept(),
        ["Connect"] = s => s.Connect(("127.0.0.1", 9)),
        ["ConnectEndPoint"] = s => s.Connect(new IPEndPoint(IPAddress.Loopback, 9)),
        ["Read"] = s => s.Read(1),
        ["ReadAll"] = s => s.Read(),
        ["ReadZero"] = s => s.Read(0),
        ["ReadIntoSpan"] = s => s.ReadInto(new byte[4].AsSpan()),
        ["ReadIntoArray"] = s => s.ReadInto(new byte[4], 2),
        ["ReadLine"] = s => s.ReadLine(),
        ["WriteSpan"] = s => s.Write("x"u8),
        ["WriteArray"] = s => s.Write(new byte[] { 1 }),
        ["WriteString"] = s => s.Write("x"),
        ["SendSpan"] = s => s.Send("x"u8),
        ["SendArray"] = s => s.Send(new byte[] { 1 }),
        ["SendString"] = s => s.Send("x"),
        ["SendEmpty"] = s => s.Send(ReadOnlySpan<byte>.Empty),
        ["SendAllSpan"] = s => s.SendAll("x"u8),
        ["SendAllArray"] = s => s.SendAll(new byte[] { 1 }),
        ["SendAllString"] = s => s.SendAll("x"),
        ["SendTo"] = s => s.SendTo("x"u8, ("127.0.0.1", 9)),
        ["SendToString"] = s => s.SendTo("x", ("127.0.0.1", 9)),
        ["SendToEndPoint"] = s => s.SendTo("x"u8, new IPEndPoint(IPAddress.Loopback, 9)),
        ["Recv"] = s => s.Recv(1),
        ["RecvZero"] = s => s.Recv(0),
        ["RecvInto"] = s => s.RecvInto(new byte[4]),
        ["RecvFrom"] = s => s.RecvFrom(1),
        ["SetSockOptReuse"] = s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1),
        ["SetSockOptKeepAlive"] = s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 1),
        ["SetSockOptUnknown"] = s => s.SetSockOpt(USocket.SOL_SOCKET, 12345, 1),
        ["SetSockOptBytes"] = s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, new byte[4]),
        ["SetBlockingTrue"] = s => s.SetBlocking(true),
        ["SetBlockingFalse"] = s => s.SetBlocking(false),
        ["SetTimeout"] = s => s.SetTimeout(1),
        ["SetTimeoutNull"] = s => s.SetTimeout(null),
        ["MakeFileRb"] = s => s.MakeFile("rb"),
        ["MakeFileWb"] = s => s.MakeFile("wb"),
        ["Shutdown"] = s => s.Shutdown(USocket.SHUT_RDWR),
        ["GetSockName"] = s => s.GetSockName(),
        ["GetPeerName"] = s => s.GetPeerName(),
    };

    public static TheoryData<string, bool> MembersAndStates
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (string name in Members.Keys)
            {
                data.Add(name, false);
                data.Add(name, true);
            }

            return data;
        }
    }

    [Fact]
    public void Close_IsIdempotent()
    {
        var s = new USocket();
        s.Close();
        s.Close();
        s.Dispose();
        s.Close();
        Assert.True(s.IsClosed);
        Assert.Equal(-1, s.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(MembersAndStates))]
    public void AfterClose_EveryMember_RaisesEBADF(string member, bool wasConnected)
    {
        USocket s;
        Pair? pair = null;
        if (wasConnected)
        {
            pair = Loopback.Connected();
            s = pair.Client;
        }
        else
        {
            s = new USocket();
        }

        using (pair)
        {
            s.Close();

            var e = Loopback.Raises(Errno.EBADF, () => Members[member](s));

            Assert.Equal("EBADF", e.ErrnoName);
            Assert.StartsWith("[Errno 9] EBADF", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(USocket.SOCK_DGRAM)]
    [InlineData(USocket.SOCK_STREAM)]
    public void AfterClose_GetSocketStaIsMinusOne(int type)
    {
        using Pair p = Loopback.Connected();
        var s = new USocket(USocket.AF_INET, type);
        s.Close();
        p.Client.Close();

        Assert.Equal(-1, s.GetSocketSta());
        Assert.Equal(-1, p.Client.GetSocketSta());
        Assert.True(p.Client.IsClosed);
        Assert.False(p.Server.IsClosed);
    }

    [Fact]
    public void Dispose_IsClose()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.Dispose();

        Assert.True(p.Client.IsClosed);
        Assert.Equal(-1, p.Client.GetSocketSta());
        Loopback.Raises(Errno.EBADF, () => p.Client.Send("x"));
        p.Server.SetTimeout(Loopback.Patience);
        Wire.Equal([], p.Server.Read()); // the peer sees the connection end
    }

    [Fact]
    public void ToString_SaysClosed()
    {
        var s = new USocket();
        Assert.DoesNotContain("closed", s.ToString(), StringComparison.Ordinal);
        s.Close();
        Assert.Contains("closed", s.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public async Task Close_FromAnotherThread_EndsABlockingRecv_WithEBADF(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        using var started = new ManualResetEventSlim();
        Task<UsocketException> blocked = Task.Run(
            () =>
            {
                started.Set();
                return Assert.Throws<UsocketException>(() => p.Client.Recv(10));
            },
            TestContext.Current.CancellationToken);
        Assert.True(started.Wait(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken));
        Thread.Sleep(200); // let it reach the kernel's wait

        var sw = Stopwatch.StartNew();
        p.Client.Close();
        UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 0, 1000);
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public async Task Close_FromAnotherThread_EndsABlockingReadLine_WithEBADF(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        p.Server.SendAll("partial");
        Task<UsocketException> blocked = Task.Run(
            () => Assert.Throws<UsocketException>(() => p.Client.ReadLine()),
            TestContext.Current.CancellationToken);
        Thread.Sleep(300);

        var sw = Stopwatch.StartNew();
        p.Client.Close();
        UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 0, 1000);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task Close_FromAnotherThread_EndsABlockingAccept_WithEBADF(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var guard = new HangGuard(Loopback.Patience, l);
        Task<UsocketException> blocked = Task.Run(
            () => Assert.Throws<UsocketException>(() => l.Accept()),
            TestContext.Current.CancellationToken);
        Thread.Sleep(200);

        var sw = Stopwatch.StartNew();
        l.Close();
        UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 0, 1000);
    }

    [Fact]
    public async Task Close_FromAnotherThread_EndsABlockingSendAll_WithEBADF()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        var data = new byte[256 * 1024 * 1024]; // far more than the buffers hold: the peer does not read
        Task<UsocketException> blocked = Task.Run(
            () => Assert.Throws<UsocketException>(() => p.Client.SendAll(data)),
            TestContext.Current.CancellationToken);
        Thread.Sleep(300);

        var sw = Stopwatch.StartNew();
        p.Client.Close();
        UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 0, 1000);
    }

    [Fact]
    public async Task Close_FromAnotherThread_EndsATimeoutRecv_WithEBADF()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Loopback.Patience);
        Task<UsocketException> blocked = Task.Run(
            () => Assert.Throws<UsocketException>(() => p.Client.Recv(10)),
            TestContext.Current.CancellationToken);
        Thread.Sleep(200);

        var sw = Stopwatch.StartNew();
        p.Client.Close();
        UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 0, 1000);
    }

    [Fact]
    public async Task Close_FromAnotherThread_EndsABlockingUdpRecvFrom_WithEBADF()
    {
        using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        using var guard = new HangGuard(Loopback.Patience, u);
        u.Bind(("127.0.0.1", 0));
        Task<UsocketException> blocked = Task.Run(
            () => Assert.Throws<UsocketException>(() => u.RecvFrom(10)),
            TestContext.Current.CancellationToken);
        Thread.Sleep(200);

        var sw = Stopwatch.StartNew();
        u.Close();
        UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 0, 1000);
    }
}
