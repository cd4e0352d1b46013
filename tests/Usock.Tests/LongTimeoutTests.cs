using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Every value SetTimeout accepts works on every member (issue 9, defect 3): the smallest positive value (1 ms) and
/// 1e7, 1e9 and int.MaxValue seconds (past the 49.7-day timer limit and the 106.75-day deadline overflow). A call
/// that can complete at once completes; a call that must wait really waits (proven in the kernel), and is released
/// by data or by Close. A timeout changed while a call waits applies to the next call: the waiting call keeps the
/// deadline it started with.
/// </summary>
public class LongTimeoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<double> Edges => new() { 1e-9, 1e7, 1e9, 2147483647.0 };

    public static TheoryData<double> LongValues => new() { 1e7, 1e9, 2147483647.0 };

    [Theory]
    [MemberData(nameof(Edges))]
    public void Sync_CallsThatCanCompleteAtOnce_Complete(double timeout)
    {
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        pair.Client.SetTimeout(timeout);
        Assert.Equal(Math.Max(timeout, 0.001), pair.Client.Timeout); // the smallest positive value is 1 ms
        Assert.Equal(3, pair.Client.Send("abc"u8));
        pair.Client.SendAll(Wire.Seq(1000));
        Wire.WaitAvailable(pair.Server, 1003);
        Assert.Equal("abc"u8.ToArray(), pair.Server.Recv(3));
        Assert.Equal(Wire.Seq(1000), Wire.ReadExactly(pair.Server, 1000));

        pair.Server.SendAll("hello\nworld!rest"u8);
        Wire.WaitAvailable(pair.Client, 16);
        Assert.Equal("hello\n"u8.ToArray(), pair.Client.ReadLine());
        Assert.Equal("world"u8.ToArray(), pair.Client.Read(5));
        var buffer = new byte[4];
        Assert.Equal(1, pair.Client.ReadInto(buffer, 1));
        Assert.Equal((byte)'!', buffer[0]);
        Assert.Equal("rest"u8.ToArray(), pair.Client.Recv(10));
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public void Sync_AcceptConnectAndRecvFrom_ThatCanCompleteAtOnce_Complete(double timeout)
    {
        using USocket l = Loopback.Listener();
        using var c = new USocket();
        if (timeout >= 1)
        {
            c.SetTimeout(timeout); // 1 ms is too short to promise a handshake on a loaded machine
        }

        c.Connect(l.GetSockName());
        l.SetTimeout(timeout);
        Assert.True(Loopback.Eventually(() => USelect.Select([l], [], [], 0).Readable.Count == 1));
        (USocket conn, string host, int port) = l.Accept();
        using (conn)
        {
            Assert.Equal("127.0.0.1", host);
            Assert.Equal(c.GetSockName().Port, port);
        }

        using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        u.Bind(("127.0.0.1", 0));
        u.SetTimeout(timeout);
        using var peer = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        peer.SendTo("dgram"u8, u.GetSockName());
        Assert.True(Loopback.Eventually(() => u.RawSocket!.Available > 0));
        Assert.Equal("dgram"u8.ToArray(), u.RecvFrom(100).Bytes);
        peer.SetTimeout(timeout);
        Assert.Equal(2, peer.SendTo("ok"u8, u.GetSockName()));
    }

    [Theory]
    [MemberData(nameof(Edges))]
    public async Task Async_CallsThatCanCompleteAtOnce_Complete(double timeout)
    {
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        pair.Client.SetTimeout(timeout);
        Assert.Equal(3, await pair.Client.SendAsync("abc"u8.ToArray(), Ct));
        await pair.Client.SendAllAsync(Wire.Seq(1000), Ct);
        Wire.WaitAvailable(pair.Server, 1003);
        Assert.Equal(1003, Wire.ReadExactly(pair.Server, 1003).Length);

        pair.Server.SendAll("hello\n!rest"u8);
        Wire.WaitAvailable(pair.Client, 11);
        Assert.Equal("hello\n"u8.ToArray(), await pair.Client.ReadLineAsync(Ct));
        var buffer = new byte[4];
        Assert.Equal(1, await pair.Client.ReadIntoAsync(buffer, 1, Ct));
        Assert.Equal("rest"u8.ToArray(), await pair.Client.RecvAsync(10, Ct));

        using USocket l = Loopback.Listener();
        await using var c = new USocket();
        if (timeout >= 1)
        {
            c.SetTimeout(timeout);
        }

        await c.ConnectAsync(l.GetSockName(), Ct);
        l.SetTimeout(timeout);
        Assert.True(Loopback.Eventually(() => USelect.Select([l], [], [], 0).Readable.Count == 1));
        (USocket conn, _, int port) = await l.AcceptAsync(Ct);
        using (conn)
        {
            Assert.Equal(c.GetSockName().Port, port);
        }
    }

    [Theory]
    [MemberData(nameof(LongValues))]
    public void Sync_CallsThatMustWait_ReallyWait_ThenGetTheData(double timeout)
    {
        Blocked.SkipUnlessSupported();
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        pair.Client.SetTimeout(timeout);
        var buffer = new byte[10];
        foreach ((string name, Func<object?> call, Func<object?, byte[]> got) in new (string, Func<object?>, Func<object?, byte[]>)[]
        {
            ("Recv", () => pair.Client.Recv(10), r => (byte[])r!),
            ("RecvInto", () => pair.Client.RecvInto(buffer), r => buffer[..(int)r!]),
            ("Read", () => pair.Client.Read(3), r => (byte[])r!),
            ("ReadInto", () => pair.Client.ReadInto(buffer, 3), r => buffer[..(int)r!]),
            ("ReadLine", () => pair.Client.ReadLine(), r => (byte[])r!),
        })
        {
            var waiting = BlockedCall.Start(name, call);
            Blocked.On(waiting, pair.Client);
            pair.Server.SendAll(name == "ReadLine" ? "ab\n"u8 : "abc"u8);
            byte[] result = got(waiting.Result());
            Assert.Equal(name == "ReadLine" ? "ab\n"u8.ToArray() : "abc"u8.ToArray(), result);
        }

        // Send: the buffers are full; the waiting SendAll completes once the peer reads.
        long filled = Buffers.Fill(pair.Client, pair.Server);
        pair.Client.SetTimeout(timeout);
        byte[] more = Wire.Seq(Buffers.MoreThanFits, (int)(filled % 251));
        var sending = BlockedCall.Start("SendAll", () => pair.Client.SendAll(more));
        Blocked.On(sending, pair.Client);
        Assert.Equal(filled + more.Length, Wire.ReadExactly(pair.Server, (int)(filled + more.Length)).Length);
        sending.Result();
    }

    [Theory]
    [MemberData(nameof(LongValues))]
    public void Sync_AcceptConnectRecvFrom_ThatMustWait_ReallyWait_ThenAreReleased(double timeout)
    {
        Blocked.SkipUnlessSupported();
        using USocket l = Loopback.Listener();
        l.SetTimeout(timeout);
        var accepting = BlockedCall.Start("Accept", () => l.Accept());
        Blocked.On(accepting, l);
        using var c = new USocket();
        c.Connect(l.GetSockName());
        ((ValueTuple<USocket, string, int>)accepting.Result()!).Item1.Close();

        using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        u.Bind(("127.0.0.1", 0));
        u.SetTimeout(timeout);
        var receiving = BlockedCall.Start("RecvFrom", () => u.RecvFrom(100));
        Blocked.On(receiving, u);
        using var peer = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        peer.SendTo("late"u8, u.GetSockName());
        Assert.Equal("late"u8.ToArray(), (((byte[] Bytes, (string, int) Address))receiving.Result()!).Bytes);

        using var silent = new SilentListener();
        using var connecting = new USocket();
        connecting.SetTimeout(timeout);
        var call = BlockedCall.Start("Connect", () => connecting.Connect(silent.Address));
        Blocked.On(call, connecting);
        connecting.Close();
        Assert.Equal(Errno.EBADF, Assert.IsType<UsocketException>(call.Raised()).Errno);
    }

    [Theory]
    [MemberData(nameof(LongValues))]
    public async Task Async_CallsThatMustWait_ReallyWait_ThenGetTheData(double timeout)
    {
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        pair.Client.SetTimeout(timeout);

        ValueTask<byte[]> recv = pair.Client.RecvAsync(10, Ct);
        await Task.Yield();
        Assert.False(recv.IsCompleted, "RecvAsync ended with nothing to read");
        pair.Server.SendAll("abc"u8);
        Assert.Equal("abc"u8.ToArray(), await recv.AsTask().WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));

        ValueTask<byte[]?> line = pair.Client.ReadLineAsync(Ct);
        await Task.Yield();
        Assert.False(line.IsCompleted, "ReadLineAsync ended with nothing to read");
        pair.Server.SendAll("ab\n"u8);
        Assert.Equal("ab\n"u8.ToArray(), await line.AsTask().WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));

        var buffer = new byte[10];
        ValueTask<int?> into = pair.Client.ReadIntoAsync(buffer, 3, Ct);
        await Task.Yield();
        Assert.False(into.IsCompleted, "ReadIntoAsync ended with nothing to read");
        pair.Server.SendAll("xyz"u8);
        Assert.Equal(3, await into.AsTask().WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));

        using USocket l = Loopback.Listener();
        l.SetTimeout(timeout);
        var accept = l.AcceptAsync(Ct).AsTask();
        await Task.Yield();
        Assert.False(accept.IsCompleted, "AcceptAsync ended with no connection pending");
        using var c = new USocket();
        c.Connect(l.GetSockName());
        (await accept.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct)).Conn.Close();

        long filled = Buffers.Fill(pair.Client, pair.Server);
        pair.Client.SetTimeout(timeout);
        byte[] more = Wire.Seq(Buffers.MoreThanFits, (int)(filled % 251));
        Task sending = pair.Client.SendAllAsync(more, Ct).AsTask();
        await Task.Yield();
        Assert.False(sending.IsCompleted, "SendAllAsync ended with the buffers full");
        Assert.Equal(filled + more.Length, Wire.ReadExactly(pair.Server, (int)(filled + more.Length)).Length);
        await sending.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct);

        using var silent = new SilentListener();
        using var connecting = new USocket();
        connecting.SetTimeout(timeout);
        Task connect = connecting.ConnectAsync(silent.Address, Ct).AsTask();
        await Task.Yield();
        Assert.False(connect.IsCompleted, "ConnectAsync ended though the listener never answers");
        connecting.Close();
        var e = await Assert.ThrowsAnyAsync<UsocketException>(() => connect.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));
        Assert.Equal(Errno.EBADF, e.Errno);
    }

    [Fact]
    public async Task Smallest_WaitingCallsRaiseEtimedoutSoon()
    {
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        pair.Client.SetTimeout(1e-9);
        Assert.True(Wire.TimeRaise(Errno.ETIMEDOUT, () => pair.Client.Recv(10)) < 1000);
        Assert.True(Wire.TimeRaise(Errno.ETIMEDOUT, () => pair.Client.ReadLine()) < 1000);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<UsocketException>(async () => await pair.Client.RecvAsync(10, Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
        Assert.True(sw.ElapsedMilliseconds < 1000);

        using USocket l = Loopback.Listener();
        l.SetTimeout(1e-9);
        Assert.True(Wire.TimeRaise(Errno.ETIMEDOUT, () => l.Accept()) < 1000);
    }

    // The deadline passes at each reading of the socket's clock in turn (counted from the call's start), the reading
    // between "is there time left" and arming the wait's timer included: there an async wait was once left with no
    // timer at all, seen under load as a RecvAsync with a 1 ms timeout that never raised 110. Whichever reading sees
    // the deadline pass, the call raises 110.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Async_DeadlinePassingAtAnyReadingOfTheClock_Raises110(int reading)
    {
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        var clock = new JumpingClock(reading);
        pair.Client.TimeProvider = clock;
        pair.Client.SetTimeout(0.05);
        clock.Start();
        var e = await Assert.ThrowsAsync<UsocketException>(() => pair.Client.RecvAsync(10, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);

        using USocket l = Loopback.Listener();
        l.TimeProvider = clock;
        l.SetTimeout(0.05);
        clock.Start();
        e = await Assert.ThrowsAsync<UsocketException>(() => l.AcceptAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
    }

    // The rule asserted: a call keeps the deadline it started with; SetTimeout from another thread applies to the
    // next call. So a Recv started with no timeout is still waiting (in the kernel) well after a 50 ms timeout set
    // meanwhile would have expired, and then returns the data.
    [Fact]
    public void TimeoutChangedWhileARecvWaits_TheWaitingCallKeepsItsDeadline()
    {
        Blocked.SkipUnlessSupported();
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        pair.Client.SetTimeout(null);
        var waiting = BlockedCall.Start("Recv", () => pair.Client.Recv(10));
        Blocked.On(waiting, pair.Client);
        pair.Client.SetTimeout(0.05);

        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalMilliseconds < 300)
        {
            Assert.False(waiting.Task.IsCompleted, $"the waiting Recv ended {sw.ElapsedMilliseconds} ms after SetTimeout(0.05): {waiting.Task.Exception?.InnerException}");
            Thread.Sleep(10);
        }

        Blocked.On(waiting, pair.Client);
        pair.Server.SendAll("data"u8);
        Assert.Equal("data"u8.ToArray(), waiting.Result());
        Assert.True(Wire.TimeRaise(Errno.ETIMEDOUT, () => pair.Client.Recv(10)) < 1000, "the next call uses the new timeout");
    }

    /// <summary>A clock that stands still, then jumps an hour ahead at the <c>jumpAt</c>-th reading after
    /// <see cref="Start"/> (ticks of 1 ms; its timers are real ones).</summary>
    private sealed class JumpingClock(int jumpAt) : TimeProvider
    {
        private long _now = 1_000_000;
        private int _readings = -1;

        public override long TimestampFrequency => 1000;

        public void Start() => Volatile.Write(ref _readings, 0);

        public override long GetTimestamp()
        {
            if (Volatile.Read(ref _readings) >= 0 && Interlocked.Increment(ref _readings) == jumpAt)
            {
                Interlocked.Add(ref _now, 3_600_000);
            }

            return Interlocked.Read(ref _now);
        }
    }
}
