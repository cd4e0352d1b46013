using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The poller's timeout runs on the clock it is given (the sockets' <see cref="TimeProvider"/>), and a token ends a
/// poll at once through the wake descriptor the kernel wait watches. Each wait is proven in the kernel before acting.
/// </summary>
public class PollerClockTests
{
    [Fact]
    public void Poll_OnAGivenClock_EndsWhenThatClockPassesTheTimeout()
    {
        Blocked.SkipUnlessSupported();
        var clock = new ManualClock();
        using var poller = new Poller(clock);
        using USocket l = Loopback.Listener();
        poller.Register(l, USelect.POLLIN);

        var call = BlockedCall.Start("Poll", () => poller.Poll(60_000));
        Blocked.InPoll(call);
        Assert.False(call.Task.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(61)); // the system's clock would have the poll wait a minute
        Assert.Empty((IReadOnlyList<(USocket, int)>)call.Result()!);
    }

    [Fact]
    public void USelectSelect_RunsOnTheSocketsClock()
    {
        Blocked.SkipUnlessSupported();
        var clock = new ManualClock();
        using USocket l = Loopback.Listener();
        l.TimeProvider = clock;
        var call = BlockedCall.Start("Select", () => USelect.Select([l], [], [], 60));
        Blocked.InPoll(call);
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Empty((((IReadOnlyList<USocket> Readable, IReadOnlyList<USocket>, IReadOnlyList<USocket>))call.Result()!).Readable);
    }

    [Fact]
    public void Poll_TokenCancelledDuringTheWait_EndsItAtOnce()
    {
        Blocked.SkipUnlessSupported();
        using var poller = new Poller();
        using USocket l = Loopback.Listener();
        poller.Register(l, USelect.POLLIN);
        using var cts = new CancellationTokenSource();

        var call = BlockedCall.Start("Poll", () => poller.Poll(-1, cts.Token));
        Blocked.InPoll(call);
        long t0 = Stopwatch.GetTimestamp();
        cts.Cancel();
        Assert.IsAssignableFrom<OperationCanceledException>(call.Raised());
        Assert.InRange(call.MillisecondsSince(t0), 0, 1000);

        // The poller stays usable: a connection is reported.
        using var c = new USocket();
        c.Connect(l.GetSockName());
        Assert.Equal(USelect.POLLIN, Assert.Single(poller.Poll(10_000, TestContext.Current.CancellationToken)).Events & USelect.POLLIN);
    }

    [Fact]
    public void Poll_AlreadyCancelledToken_Throws_WithoutWaiting()
    {
        using var poller = new Poller();
        Assert.Throws<OperationCanceledException>(() => poller.Poll(-1, new CancellationToken(canceled: true)));
    }

    /// <summary>A clock that moves only when told; its timers are the system's (the poller does not use them).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => 1000;

        public override long GetTimestamp() => Interlocked.Read(ref _now);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)by.TotalMilliseconds);
    }
}
