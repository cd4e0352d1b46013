using System.Diagnostics;
using System.Security.Cryptography;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// A real link with faults on it: two network namespaces made by the test (<see cref="Netns"/>), joined by a
/// veth pair, with Usock sockets on both ends. nftables rules drop packets at random, drop everything (a
/// blackhole) or answer with TCP resets; a <c>tbf</c> qdisc caps the bandwidth. Checked: 100 MB cross a link
/// that loses 5% of the data packets (and 1% of those coming back) with an equal SHA-256; a capped link moves data at the cap, intact;
/// a blackhole yields 110 ETIMEDOUT (connect, recv, sendall) and the connection survives it; a reset rule
/// yields the profile's errno for a connect (104 device, 111 POSIX) and 104 mid-stream.
/// </summary>
/// <remarks>Needs root, <c>ip</c>, <c>nft</c> and <c>tc</c>; each test reports itself skipped, with the reason,
/// where they are missing. All addresses live inside the two namespaces: nothing leaves the machine.</remarks>
[Collection(Serial.Name)]
[Trait("Category", "Netns")]
public class NetnsLinkTests(ITestOutputHelper output)
{
    // 5% of the data segments and 1% of the returning ACKs: 100 MB take 20-30 s. (5% both ways takes 30-80 s, the
    // time going to retransmission timeouts when a retransmission is lost too; the data path is what the test is about.)
    private const int LossPercent = 5;
    private const int AckLossPercent = 1;
    private const int LossyBytes = 100 * 1024 * 1024;
    private const double TransferTimeout = 60;

    public static TheoryData<int, UsocketProfile> FamiliesAndProfiles
    {
        get
        {
            var data = new TheoryData<int, UsocketProfile>();
            foreach (int af in new[] { USocket.AF_INET, USocket.AF_INET6 })
            {
                data.Add(af, UsocketProfile.QuecPython);
                data.Add(af, UsocketProfile.Posix);
            }

            return data;
        }
    }

    [Fact]
    public void LossyLink_100MB_ArriveWithTheSameSha256()
    {
        using Netns net = Netns.Create();

        // Loss per segment, not per 64 KB offload super-packet: no segmentation offload on the veth ends.
        Netns.Ip("-n", net.A, "link", "set", "dev", Netns.DevA, "gso_max_size", "1500", "gso_max_segs", "1");
        Netns.Ip("-n", net.B, "link", "set", "dev", Netns.DevB, "gso_max_size", "1500", "gso_max_segs", "1");
        Netns.Nft(net.B, InputRule($"meta l4proto tcp numgen random mod 100 < {LossPercent} counter drop")); // data
        Netns.Nft(net.A, InputRule($"meta l4proto tcp numgen random mod 100 < {AckLossPercent} counter drop")); // ACKs, the hash

        byte[] data = new byte[LossyBytes];
        new Random(20_251_124).NextBytes(data);
        Transfer t = Send(net, data);
        long dropped = Netns.NftPackets(net.A) + Netns.NftPackets(net.B);

        output.WriteLine($"{LossyBytes:N0} bytes over a link losing {LossPercent}% of the data and {AckLossPercent}% of the ACKs: {t.Seconds:F1} s, " +
            $"{LossyBytes / t.Seconds / 1e6:F1} MB/s, {dropped:N0} packets dropped, SHA-256 {t.ReceivedHash[..16]}...");
        Assert.Equal(LossyBytes, t.Received);
        Assert.Equal(Wire.Hash(data), t.ReceivedHash);
        Assert.Equal(t.ReceivedHash, t.EchoedHash); // the receiver's hash came back across the same lossy link
        Assert.True(dropped > 1000, $"only {dropped} packets dropped: the loss rule did not bite");
    }

    [Fact]
    public void BandwidthCap_Tbf20Mbit_CapsTheRate_AndTheDataArrivesIntact()
    {
        using Netns net = Netns.Create();
        byte[] data = Wire.RandomBytes(5 * 1024 * 1024);

        Transfer free = Send(net, data);
        Netns.Tc(net.A, "qdisc", "add", "dev", Netns.DevA, "root", "tbf", "rate", "20mbit", "burst", "32kbit", "latency", "400ms");
        Transfer capped = Send(net, data);

        double freeMbit = data.Length * 8 / free.Seconds / 1e6;
        double cappedMbit = data.Length * 8 / capped.Seconds / 1e6;
        output.WriteLine($"{data.Length:N0} bytes: {freeMbit:F0} Mbit/s uncapped, {cappedMbit:F1} Mbit/s under a 20 Mbit/s tbf ({capped.Seconds:F2} s)");
        Assert.Equal(Wire.Hash(data), free.ReceivedHash);
        Assert.Equal(Wire.Hash(data), capped.ReceivedHash);
        Assert.True(freeMbit > 100, $"the link is slow even without the cap: {freeMbit:F0} Mbit/s");
        Assert.InRange(cappedMbit, 10, 21); // payload under the 20 Mbit/s line rate (headers count too), not far under
    }

    [Theory]
    [MemberData(nameof(FamiliesAndProfiles))]
    public void Blackhole_ConnectWithATimeout_RaisesEtimedout(int af, UsocketProfile profile)
    {
        using Netns net = Netns.Create();
        using USocket listener = net.Listener(af, profile); // someone listens: only the blackhole stops the connect
        Netns.Nft(net.B, InputRule("counter drop"));
        using USocket c = Netns.Socket(net.A, af, profile);
        using var guard = new HangGuard(Loopback.Patience, c);
        c.SetTimeout(1.0);

        double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => c.Connect(listener.GetSockName()));

        Assert.InRange(ms, 950, 3000);
        Assert.Equal((int)TcpState.SynSent, c.GetSocketSta());
        Assert.True(Netns.NftPackets(net.B) >= 1, "no SYN reached the blackhole");
    }

    // An established connection falls into a blackhole (everything dropped both ways) for a few seconds: Recv
    // and SendAll with a 1 s timeout raise 110 in time; once the link heals, TCP delivers what was queued
    // (the request, then an exact prefix of the bulk data) and the connection carries a reply: nothing lost,
    // nothing corrupted, the socket usable after its timeouts.
    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void Blackhole_EstablishedConnection_RecvAndSendAllTimeOut_ThenItRecovers(UsocketProfile profile)
    {
        using Netns net = Netns.Create();
        using Pair p = net.Connected(USocket.AF_INET, profile);
        using var guard = new HangGuard(90, p.Client, p.Server);
        string drop = InputRule("counter drop");
        Netns.Nft(net.A, drop);
        Netns.Nft(net.B, drop);

        p.Client.SetTimeout(1.0);
        p.Client.SendAll("ping\n"); // queued; never acknowledged while the hole lasts
        double recvMs = Wire.TimeRaise(Errno.ETIMEDOUT, () => p.Client.Recv(100));
        byte[] bulk = Wire.Seq(16 * 1024 * 1024, start: 3);
        double sendMs = Wire.TimeRaise(Errno.ETIMEDOUT, () => p.Client.SendAll(bulk));
        long dropped = Netns.NftPackets(net.A) + Netns.NftPackets(net.B);

        Netns.NftClear(net.A);
        Netns.NftClear(net.B);
        p.Server.SetTimeout(30); // retransmission backs off while the hole lasts: the first one may take seconds
        Wire.Equal("ping\n"u8.ToArray(), p.Server.ReadLine());
        using var got = new MemoryStream();
        var buffer = new byte[256 * 1024];
        p.Server.SetTimeout(3);
        while (true)
        {
            try
            {
                int n = p.Server.RecvInto(buffer);
                Assert.NotEqual(0, n);
                got.Write(buffer, 0, n);
            }
            catch (UsocketException e) when (e.Errno == Errno.ETIMEDOUT)
            {
                break; // everything the client had queued has arrived
            }
        }

        p.Server.SendAll("pong\n");
        p.Client.SetTimeout(30);
        Wire.Equal("pong\n"u8.ToArray(), p.Client.ReadLine());

        output.WriteLine($"Recv timed out after {recvMs:F0} ms, SendAll after {sendMs:F0} ms; {dropped} packets dropped; " +
            $"{got.Length:N0} bytes of the bulk arrived after the link healed");
        Assert.InRange(recvMs, 950, 3000);
        Assert.InRange(sendMs, 950, 3000);
        Assert.True(dropped > 0);
        Assert.InRange(got.Length, 1, bulk.Length - 1);
        Assert.True(bulk.AsSpan(0, (int)got.Length).SequenceEqual(got.ToArray()), "what arrived is not a prefix of what was sent");
    }

    [Theory]
    [MemberData(nameof(FamiliesAndProfiles))]
    public void ResetRule_Connect_RaisesTheProfilesErrno(int af, UsocketProfile profile)
    {
        using Netns net = Netns.Create();
        using USocket listener = net.Listener(af, profile);
        int port = listener.GetSockName().Port;
        Netns.Nft(net.B, InputRule($"tcp dport {port} counter reject with tcp reset"));
        using USocket c = Netns.Socket(net.A, af, profile);
        using var guard = new HangGuard(Loopback.Patience, c);
        c.SetTimeout(5);

        Loopback.Raises(profile == UsocketProfile.QuecPython ? Errno.ECONNRESET : Errno.ECONNREFUSED, () => c.Connect(listener.GetSockName()));

        Assert.True(Netns.NftPackets(net.B) >= 1);
    }

    // No route: an "unreachable" route inside namespace A, so nothing is sent at all. Connect raises 113 EHOSTUNREACH
    // at once, in both profiles (the device's lwIP answers the same for a destination it cannot route).
    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void UnreachableRoute_Connect_RaisesEhostunreach(UsocketProfile profile)
    {
        using Netns net = Netns.Create();
        Netns.Ip("-n", net.A, "route", "add", "unreachable", "10.231.5.5/32");
        using USocket c = Netns.Socket(net.A, USocket.AF_INET, profile);
        using var guard = new HangGuard(Loopback.Patience, c);
        c.SetTimeout(5);

        var sw = Stopwatch.StartNew();
        Loopback.Raises(Errno.EHOSTUNREACH, () => c.Connect(("10.231.5.5", 80)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"took {sw.Elapsed}");
    }

    // The peer's side answers the SYN with ICMP host-unreachable: a hard error while connecting, 113 EHOSTUNREACH.
    [Theory]
    [MemberData(nameof(FamiliesAndProfiles))]
    public void HostUnreachableRule_Connect_RaisesEhostunreach(int af, UsocketProfile profile)
    {
        using Netns net = Netns.Create();
        using USocket listener = net.Listener(af, profile);
        int port = listener.GetSockName().Port;
        Netns.Nft(net.B, InputRule($"tcp dport {port} counter reject with icmpx type host-unreachable"));
        using USocket c = Netns.Socket(net.A, af, profile);
        using var guard = new HangGuard(Loopback.Patience, c);
        c.SetTimeout(5);

        Loopback.Raises(Errno.EHOSTUNREACH, () => c.Connect(listener.GetSockName()));

        Assert.True(Netns.NftPackets(net.B) >= 1);
    }

    // A connection is established, then the server's side starts answering it with resets: the client's Recv,
    // already waiting on another thread, wakes with 104 in both profiles, and sends fail from then on.
    [Theory]
    [MemberData(nameof(FamiliesAndProfiles))]
    public async Task ResetRule_MidStream_RaisesEconnreset(int af, UsocketProfile profile)
    {
        using Netns net = Netns.Create();
        using Pair p = net.Connected(af, profile);
        using var guard = new HangGuard(Loopback.Patience, p.Client, p.Server);
        p.Client.SetTimeout(Loopback.Patience);
        p.Client.SendAll("before\n");
        p.Server.SetTimeout(Loopback.Patience);
        Wire.Equal("before\n"u8.ToArray(), p.Server.ReadLine());

        Task<int> waiting = Task.Run(() => CatchErrno(() => p.Client.Recv(100)), TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Netns.Nft(net.B, InputRule($"tcp dport {p.Server.GetSockName().Port} counter reject with tcp reset"));
        Assert.Equal(1, p.Client.Send("x")); // queued; the answer is a reset

        Assert.Equal(Errno.ECONNRESET, await waiting.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken));
        Assert.Contains(CatchErrno(() => p.Client.SendAll("more")), new[] { Errno.ECONNRESET, Errno.EPIPE });
        Assert.Equal((int)TcpState.Closed, p.Client.GetSocketSta());
        Assert.True(Netns.NftPackets(net.B) >= 1);
    }

    private static string InputRule(string rule) =>
        $"table inet usock {{\n chain input {{\n  type filter hook input priority 0; policy accept;\n  {rule}\n }}\n}}\n";

    private static int CatchErrno(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (UsocketException e)
        {
            return e.Errno;
        }
    }

    private sealed record Transfer(long Received, string ReceivedHash, string EchoedHash, double Seconds);

    // Sends data from A to B over one connection: the receiver hashes what arrives and sends its hash back.
    // Seconds: from the connection to the receiver's last byte.
    private static Transfer Send(Netns net, byte[] data)
    {
        using USocket listener = net.Listener();
        using USocket client = Netns.Socket(net.A);
        client.SetTimeout(TransferTimeout);
        client.Connect(listener.GetSockName());
        listener.SetTimeout(TransferTimeout);
        using USocket server = listener.Accept().Conn;
        server.SetTimeout(TransferTimeout);
        using var guard = new HangGuard(180, client, server);

        var sw = Stopwatch.StartNew();
        Task<(long Count, byte[] Hash, double Seconds)> receiver = Task.Factory.StartNew(
            () =>
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[256 * 1024];
                long count = 0;
                while (true)
                {
                    int n = server.ReadInto(buffer) ?? 0; // full buffers; short, then 0, at end of stream
                    if (n == 0)
                    {
                        break;
                    }

                    sha.AppendData(buffer, 0, n);
                    count += n;
                }

                double seconds = sw.Elapsed.TotalSeconds;
                byte[] hash = sha.GetHashAndReset();
                server.SendAll(hash);
                return (count, hash, seconds);
            },
            TaskCreationOptions.LongRunning);

        for (int at = 0; at < data.Length; at += 1024 * 1024)
        {
            client.SendAll(data.AsSpan(at, Math.Min(1024 * 1024, data.Length - at)));
        }

        client.Shutdown(USocket.SHUT_WR);
        byte[] echoed = Wire.ReadExactly(client, 32);
        Assert.True(receiver.Wait(TimeSpan.FromSeconds(TransferTimeout)), "the receiver did not finish");
        (long received, byte[] hash, double secs) = receiver.Result;
        return new Transfer(received, Convert.ToHexString(hash), Convert.ToHexString(echoed), secs);
    }
}
