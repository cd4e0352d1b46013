using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Datagram senders and receivers on several threads (issue 9, defect 8), counted, not sampled: every datagram
/// reaches its addressee, the first SendTo on an unbound socket from two threads never fails, and every sender
/// address RecvFrom returns is the one that sent that datagram. Senders are paced to stay at most
/// <see cref="Window"/> datagrams ahead of the readers, so loopback never drops one for a full buffer.
/// </summary>
public class DatagramThreadTests
{
    private const int Window = 64;

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task TwoThreads_SendToTwoPeers_OnOneSocket_EachPeerGetsAllItsOwnAndNothingElse(int af)
    {
        const int PerPeer = 1000;
        using var shared = Udp(af);
        using var peerA = Udp(af);
        using var peerB = Udp(af);
        USocket[] peers = [peerA, peerB];
        var received = new int[2];
        var wrong = new ConcurrentQueue<string>();
        var seen = new[] { new HashSet<int>(), new HashSet<int>() };

        var readers = peers.Select((peer, k) => Task.Factory.StartNew(
            () =>
            {
                int own = peer.GetSockName().Port;
                peer.SetTimeout(2);
                while (Volatile.Read(ref received[k]) < PerPeer)
                {
                    byte[] d;
                    try
                    {
                        d = peer.RecvFrom(64).Bytes;
                    }
                    catch (UsocketException e) when (e.Errno == Errno.ETIMEDOUT)
                    {
                        return;
                    }

                    string[] f = Encoding.ASCII.GetString(d).Split(':');
                    if (int.Parse(f[0], CultureInfo.InvariantCulture) != own)
                    {
                        wrong.Enqueue($"peer {own} got a datagram for {f[0]}");
                    }
                    else if (!seen[k].Add(int.Parse(f[1], CultureInfo.InvariantCulture)))
                    {
                        wrong.Enqueue($"peer {own} got datagram {f[1]} twice");
                    }

                    Interlocked.Increment(ref received[k]);
                }
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        var senders = peers.Select((peer, k) => Task.Factory.StartNew(
            () =>
            {
                (string Host, int Port) to = peer.GetSockName();
                for (int i = 0; i < PerPeer; i++)
                {
                    Pace(i, () => Volatile.Read(ref received[k]));
                    shared.SendTo(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{to.Port}:{i}")), to);
                }
            },
            TestContext.Current.CancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        await Task.WhenAll([.. senders, .. readers]).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.True(wrong.IsEmpty, $"{wrong.Count} misdelivered: {string.Join("; ", wrong.Take(10))}");
        Assert.Equal([PerPeer, PerPeer], received);
    }

    [Fact]
    public void TwoThreads_MakingTheFirstSendToOnAFreshUnboundSocket_NeverFail()
    {
        using var peer = Udp(USocket.AF_INET);
        (string Host, int Port) to = peer.GetSockName();
        peer.SetBlocking(false);
        var errors = new ConcurrentQueue<string>();
        for (int round = 0; round < 200; round++)
        {
            using var fresh = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
            using var barrier = new Barrier(2);
            var threads = Enumerable.Range(0, 2).Select(k => new Thread(() =>
            {
                barrier.SignalAndWait();
                try
                {
                    fresh.SendTo("x"u8, to);
                }
                catch (Exception e)
                {
                    errors.Enqueue($"round {round}, thread {k}: {e.GetType().Name} {e.Message}");
                }
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(Loopback.Patience))));
            Drain(peer);
        }

        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task TwoThreadsInRecvFrom_FourPeersSending_EverySenderAddressMatchesItsPayload(int af)
    {
        const int PerSender = 500, Senders = 4;
        using var shared = Udp(af);
        shared.SetTimeout(2);
        (string Host, int Port) to = shared.GetSockName();
        USocket[] peers = [.. Enumerable.Range(0, Senders).Select(_ => Udp(af))];
        int total = 0;
        var wrong = new ConcurrentQueue<string>();
        try
        {
            var readers = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    while (Volatile.Read(ref total) < PerSender * Senders)
                    {
                        (byte[] d, (string host, int port)) r;
                        try
                        {
                            r = shared.RecvFrom(64);
                        }
                        catch (UsocketException e) when (e.Errno == Errno.ETIMEDOUT)
                        {
                            return;
                        }

                        int claimed = int.Parse(Encoding.ASCII.GetString(r.d), CultureInfo.InvariantCulture);
                        if (claimed != r.Item2.port || r.Item2.host != Loopback.Host(af))
                        {
                            wrong.Enqueue($"datagram from port {claimed} reported as from {r.Item2.host}:{r.Item2.port}");
                        }

                        Interlocked.Increment(ref total);
                    }
                },
                TestContext.Current.CancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToArray();

            var senders = peers.Select(peer => Task.Factory.StartNew(
                () =>
                {
                    byte[] payload = Encoding.ASCII.GetBytes(peer.GetSockName().Port.ToString(CultureInfo.InvariantCulture));
                    for (int i = 0; i < PerSender; i++)
                    {
                        Pace(i * Senders, () => Volatile.Read(ref total));
                        peer.SendTo(payload, to);
                    }
                },
                TestContext.Current.CancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToArray();

            await Task.WhenAll([.. senders, .. readers]).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        }
        finally
        {
            Array.ForEach(peers, p => p.Close());
        }

        Assert.True(wrong.IsEmpty, $"{wrong.Count} wrong sender addresses: {string.Join("; ", wrong.Take(10))}");
        Assert.Equal(PerSender * Senders, total);
    }

    /// <summary>Waits (bounded) until the readers are within <see cref="Window"/> datagrams of <paramref name="sent"/>.</summary>
    private static void Pace(int sent, Func<int> received)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sent - received() > Window && sw.Elapsed.TotalSeconds < 2)
        {
            Thread.Yield();
        }
    }

    private static void Drain(USocket s)
    {
        while (true)
        {
            try
            {
                s.RecvFrom(16);
            }
            catch (UsocketException)
            {
                return;
            }
        }
    }

    private static USocket Udp(int af)
    {
        var u = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        u.Bind((Loopback.Host(af), 0));
        return u;
    }
}
