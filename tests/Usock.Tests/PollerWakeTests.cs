using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;
using static Usock.USelect;

namespace Usock.Tests;

/// <summary>
/// Close (or disposing the poller) on another thread wakes a waiting <c>Poll(-1)</c> or <c>Select</c> at once
/// (issue 9, defect 7): the closed socket is reported with POLLNVAL, a disposed poller makes Poll throw.
/// </summary>
public class PollerWakeTests
{
    private const double WakeMs = 1000;

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Close_OfARegisteredSocket_WakesPoll_WithPollnval(int af)
    {
        Blocked.SkipUnlessSupported();
        using Pair pair = Loopback.Connected(af);
        using var release = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        release.Bind(("127.0.0.1", 0));
        using Poller p = USelect.Poll();
        p.Register(pair.Client, POLLIN);
        p.Register(release, POLLIN); // only to end a poll that Close failed to wake
        var call = BlockedCall.Start("Poll(-1)", () => p.Poll(-1));
        Blocked.On(call, pair.Client);

        long t0 = Stopwatch.GetTimestamp();
        pair.Client.Close();
        bool woke = ((IAsyncResult)call.Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5));
        if (!woke)
        {
            using var nudge = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
            nudge.SendTo("x"u8, release.GetSockName()); // release the poll through the other socket, then fail
        }

        Assert.True(woke, "Poll(-1) was not woken by Close of a registered socket within 5 s");
        var ready = (IReadOnlyList<(USocket Socket, int Events)>)call.Result()!;
        double ms = call.MillisecondsSince(t0);
        TestContext.Current.TestOutputHelper?.WriteLine($"Poll woke {ms:F2} ms after Close: {string.Join(", ", ready.Select(r => r.Events))}");
        Assert.Contains((pair.Client, POLLNVAL), ready);
        Assert.True(ms < WakeMs, $"Poll woke {ms:F0} ms after Close");
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Close_WakesSelect_AndTheClosedSocketIsInItsList(int af)
    {
        Blocked.SkipUnlessSupported();
        using Pair pair = Loopback.Connected(af);
        var call = BlockedCall.Start("Select(30)", () => USelect.Select([pair.Client], [], [], 30));
        Blocked.On(call, pair.Client);

        long t0 = Stopwatch.GetTimestamp();
        pair.Client.Close();
        bool woke = ((IAsyncResult)call.Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5));
        Assert.True(woke, "Select(..., 30) was not woken by Close within 5 s");
        double ms = call.MillisecondsSince(t0);
        var (readable, writable, exceptional) = ((IReadOnlyList<USocket>, IReadOnlyList<USocket>, IReadOnlyList<USocket>))call.Result()!;
        TestContext.Current.TestOutputHelper?.WriteLine($"Select woke {ms:F2} ms after Close");
        Assert.Equal([pair.Client], readable);
        Assert.Empty(writable);
        Assert.Empty(exceptional);
        Assert.True(ms < WakeMs, $"Select woke {ms:F0} ms after Close");
    }

    [Fact]
    public void Dispose_OfThePoller_MakesAWaitingPollThrowObjectDisposed()
    {
        Blocked.SkipUnlessSupported();
        using Pair pair = Loopback.Connected();
        var p = USelect.Poll();
        p.Register(pair.Client, POLLIN);
        var call = BlockedCall.Start("Poll(-1)", () => p.Poll(-1));
        Blocked.On(call, pair.Client);

        long t0 = Stopwatch.GetTimestamp();
        p.Dispose();
        bool woke = ((IAsyncResult)call.Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5));
        if (!woke)
        {
            pair.Server.SendAll("x"u8); // make the socket readable so the orphaned poll can end
        }

        Assert.True(woke, "Poll(-1) was not woken by Dispose of its poller within 5 s");
        Assert.IsType<ObjectDisposedException>(call.Raised());
        double ms = call.MillisecondsSince(t0);
        TestContext.Current.TestOutputHelper?.WriteLine($"Poll threw {ms:F2} ms after Dispose");
        Assert.True(ms < WakeMs, $"Poll threw {ms:F0} ms after Dispose");
    }
}
