using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// A cancelled token ends an async wait at whatever moment it is cancelled. The race: a token cancelled after the
/// call checked it but before the wait registered for it runs its callback inline, during the registration, when the
/// wait was not yet among the waiters; the callback completed nothing and the wait went on to its deadline. The clock
/// here cancels the token at its k-th reading, so each moment of the call's way into the wait is hit once.
/// </summary>
public class AsyncCancellationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Async_TokenCancelledAtAnyReadingOfTheClock_EndsTheWait(int reading)
    {
        using Pair pair = Loopback.Connected();
        using var guard = HangGuard.For(pair);
        using var cts = new CancellationTokenSource();
        var clock = new CancellingClock(reading, cts);
        pair.Client.TimeProvider = clock;
        pair.Client.SetTimeout(3600); // a deadline far away: only the cancellation can end the wait in time

        clock.Start();
        Task recv = pair.Client.RecvAsync(10, cts.Token).AsTask();
        await Task.Yield();
        await cts.CancelAsync(); // if the clock was not read that often, the wait is pending: cancel it now
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => recv.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));

        // Nothing was lost and the socket stays usable.
        pair.Server.SendAll("after"u8);
        pair.Client.SetTimeout(Loopback.Patience);
        Assert.Equal("after"u8.ToArray(), Wire.ReadExactly(pair.Client, 5));
    }

    /// <summary>The system's clock, which cancels a token at its <c>cancelAt</c>-th reading after <see cref="Start"/>.</summary>
    private sealed class CancellingClock(int cancelAt, CancellationTokenSource cts) : TimeProvider
    {
        private int _readings = -1;

        public void Start() => Volatile.Write(ref _readings, 0);

        public override long GetTimestamp()
        {
            if (Volatile.Read(ref _readings) >= 0 && Interlocked.Increment(ref _readings) == cancelAt)
            {
                cts.Cancel();
            }

            return base.GetTimestamp();
        }
    }
}
