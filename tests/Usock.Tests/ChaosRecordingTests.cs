using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Usock.Chaos;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// What happened, visible: the timeline (JSON lines) and the pcap of a proxied connection, checked by parsing them
/// here (a hand-written reader of the file format, Ethernet, IPv4 and TCP headers: the payload of each direction
/// reassembled by sequence number equals what was sent) and by tshark where it is installed. Also UDP through the
/// proxy: relayed, delayed, lost.
/// </summary>
public class ChaosRecordingTests(ITestOutputHelper output)
{
    [Fact]
    public void Pcap_BothSidesOfAConnection_HandshakeDataFin_PayloadEqualsWhatWasSent()
    {
        using var peer = ChaosPeer.Echo();
        string pcapPath = Path.Combine(Path.GetTempPath(), $"usock-chaos-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        byte[] data = Wire.RandomBytes(200_000);
        var timeline = new TimelineCapture();
        try
        {
            using (var pcap = new FileStream(pcapPath, FileMode.Create))
            {
                var options = new ChaosProxyOptions { UpstreamHost = "127.0.0.1", UpstreamPort = peer.Port, Pcap = pcap, Timeline = timeline, Tick = TimeSpan.FromMilliseconds(10) };
                using var proxy = new ChaosProxy(options);
                proxy.Start();
                using USocket u = ChaosSetup.Client(proxy, UsocketProfile.Posix);
                Thread send = ChaosSetup.Background(() => u.SendAll(data));
                Wire.ReadExactly(u, data.Length);
                ChaosSetup.Join(send);
                u.Shutdown(USocket.SHUT_WR);
                Assert.Empty(u.Recv(10) ?? []); // the echo server's FIN came back through the proxy
                Assert.True(Loopback.Eventually(() => timeline.ToString().Contains("\"event\":\"close\"", StringComparison.Ordinal)));
            }

            List<Segment> segments = ReadPcap(pcapPath);
            var flows = segments.GroupBy(s => (Math.Min(s.SrcPort, s.DstPort), Math.Max(s.SrcPort, s.DstPort))).ToList();
            Assert.Equal(2, flows.Count); // the program's side and the upstream's side
            foreach (var flow in flows)
            {
                Assert.Equal(2, flow.Count(s => s.Syn)); // SYN, SYN-ACK
                foreach (var dir in flow.GroupBy(s => s.SrcPort))
                {
                    Assert.Equal(1, dir.Count(s => s.Fin));
                    uint next = dir.First(s => s.Syn).Seq + 1;
                    var payload = new MemoryStream();
                    foreach (Segment s in dir.Where(s => !s.Syn))
                    {
                        Assert.Equal(next, s.Seq); // sequence numbers advance with the data, no gap, no overlap
                        payload.Write(s.Payload);
                        next += (uint)s.Payload.Length + (s.Fin ? 1u : 0u);
                    }

                    Assert.Equal(Wire.Hash(data), Wire.Hash(payload.ToArray()));
                }
            }

            // The timeline: JSON lines with the documented fields, the data of both directions counted.
            List<System.Text.Json.JsonElement> events = CliTest.JsonLines(timeline.ToString());
            Assert.All(events, e =>
            {
                foreach (string field in new[] { "time", "conn", "dir", "event", "fault", "bytes" })
                {
                    Assert.True(e.TryGetProperty(field, out _), $"no '{field}' in {e}");
                }
            });
            Assert.Equal(data.Length, events.Where(e => e.GetProperty("event").GetString() == "write" && e.GetProperty("dir").GetString() == "up").Sum(e => e.GetProperty("bytes").GetInt64()));
            Assert.Equal(data.Length, events.Where(e => e.GetProperty("event").GetString() == "write" && e.GetProperty("dir").GetString() == "down").Sum(e => e.GetProperty("bytes").GetInt64()));

            string? tshark = Netns.Which("tshark");
            Assert.SkipWhen(tshark is null, "tshark is not installed (apt-get install tshark): the pcap was checked by the test's own reader only");
            string follow = RunTool(tshark!, "-r", pcapPath, "-q", "-z", "follow,tcp,raw,0");
            string hex = Convert.ToHexString(data[..64]).ToLowerInvariant();
            Assert.Contains(hex, follow.Replace("\n", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal), StringComparison.Ordinal);
            string problems = RunTool(tshark!, "-r", pcapPath, "-Y", "tcp.analysis.flags && !tcp.analysis.window_update");
            output.WriteLine($"tshark: {segments.Count} packets; analysis warnings: '{problems.Trim()}'");
            Assert.Equal("", problems.Trim());
        }
        finally
        {
            File.Delete(pcapPath);
        }
    }

    [Fact]
    public void Pcap_ResetShowsAsRst_AndTsharkFollowsTheText()
    {
        using var peer = ChaosPeer.Sink(); // nothing comes back that could race the reset
        string pcapPath = Path.Combine(Path.GetTempPath(), $"usock-chaos-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var pcap = new FileStream(pcapPath, FileMode.Create))
            {
                var options = new ChaosProxyOptions { UpstreamHost = "127.0.0.1", UpstreamPort = peer.Port, Pcap = pcap, Tick = TimeSpan.FromMilliseconds(10) };
                options.Faults.Add(Fault.ResetAfterBytes(11) with { Direction = FaultDirection.Upstream });
                using var proxy = new ChaosProxy(options);
                proxy.Start();
                using USocket u = ChaosSetup.Client(proxy);
                u.SendAll("hello chaos"u8);
                Loopback.Raises(Errno.ECONNRESET, () => u.Recv(100));

                // The client's side is reset first; the relay resets the upstream side and records it right after.
                Assert.True(Loopback.Eventually(() => proxy.ActiveConnections == 0), "the proxy never let go of the reset connection");
            }

            List<Segment> segments = ReadPcap(pcapPath);
            Assert.Equal(2, segments.Count(s => s.Rst));
            string? tshark = Netns.Which("tshark");
            Assert.SkipWhen(tshark is null, "tshark is not installed (apt-get install tshark)");
            string follow = RunTool(tshark!, "-r", pcapPath, "-q", "-z", "follow,tcp,ascii,0");
            output.WriteLine(follow);
            Assert.Contains("hello chaos", follow, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(pcapPath);
        }
    }

    [Fact]
    public void Udp_RelaysDatagrams_LatencyDelaysThem_LossDropsThem()
    {
        using var echo = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var echoer = new Thread(() =>
        {
            byte[] b = new byte[2048];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                while (true)
                {
                    int n = echo.ReceiveFrom(b, ref from);
                    echo.SendTo(b.AsSpan(0, n), from);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        })
        { IsBackground = true };
        echoer.Start();

        var timeline = new TimelineCapture();
        var options = new ChaosProxyOptions { UpstreamHost = "127.0.0.1", UpstreamPort = ((IPEndPoint)echo.LocalEndPoint!).Port, Udp = true, Timeline = timeline, Tick = TimeSpan.FromMilliseconds(10) };
        using var proxy = new ChaosProxy(options);
        proxy.Start();
        using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        u.SetTimeout(2);
        (string, int) at = ("127.0.0.1", proxy.LocalEndPoint.Port);
        u.SendTo("one"u8, at);
        Assert.Equal("one"u8.ToArray(), u.RecvFrom(100).Bytes);

        int latency = proxy.AddFault(Fault.Latency(TimeSpan.FromMilliseconds(100)));
        var sw = Stopwatch.StartNew();
        u.SendTo("two"u8, at);
        Assert.Equal("two"u8.ToArray(), u.RecvFrom(100).Bytes);
        Assert.True(sw.ElapsedMilliseconds >= 180, $"{sw.ElapsedMilliseconds} ms: 100 ms each way not applied");
        proxy.RemoveFault(latency);

        proxy.AddFault(Fault.Loss(1.0) with { Direction = FaultDirection.Upstream });
        u.SetTimeout(0.3);
        u.SendTo("three"u8, at);
        Loopback.Raises(Errno.ETIMEDOUT, () => u.RecvFrom(100));
        Assert.Contains("\"event\":\"dropped\",\"fault\":\"loss\"", timeline.ToString(), StringComparison.Ordinal);
        echo.Dispose();
    }

    [Fact]
    public void Udp_NatIdle_ForgetsTheMapping_TheNextDatagramLeavesFromANewPort()
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = new ChaosProxyOptions { UpstreamHost = "127.0.0.1", UpstreamPort = ((IPEndPoint)sink.LocalEndPoint!).Port, Udp = true, Tick = TimeSpan.FromMilliseconds(10) };
        options.Faults.Add(Fault.NatIdle(TimeSpan.FromMilliseconds(200)));
        using var proxy = new ChaosProxy(options);
        proxy.Start();
        using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        (string, int) at = ("127.0.0.1", proxy.LocalEndPoint.Port);
        byte[] b = new byte[100];
        EndPoint from1 = new IPEndPoint(IPAddress.Any, 0);
        EndPoint from2 = new IPEndPoint(IPAddress.Any, 0);
        u.SendTo("a"u8, at);
        sink.ReceiveFrom(b, ref from1);
        u.SendTo("b"u8, at);
        EndPoint same = new IPEndPoint(IPAddress.Any, 0);
        sink.ReceiveFrom(b, ref same);
        Assert.Equal(from1, same); // still mapped
        Thread.Sleep(500); // idle longer than the NAT keeps the mapping
        u.SendTo("c"u8, at);
        sink.ReceiveFrom(b, ref from2);
        Assert.NotEqual(((IPEndPoint)from1).Port, ((IPEndPoint)from2).Port);
    }

    internal sealed record Segment(int SrcPort, int DstPort, uint Seq, bool Syn, bool Fin, bool Rst, byte[] Payload);

    /// <summary>Reads a pcap (microsecond, Ethernet) of IPv4/TCP packets: the file format and headers parsed by hand.</summary>
    internal static List<Segment> ReadPcap(string path)
    {
        byte[] f = File.ReadAllBytes(path);
        Assert.Equal(0xa1b2c3d4u, BinaryPrimitives.ReadUInt32LittleEndian(f));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(20))); // LINKTYPE_ETHERNET
        var list = new List<Segment>();
        int at = 24;
        while (at < f.Length)
        {
            int caplen = BinaryPrimitives.ReadInt32LittleEndian(f.AsSpan(at + 8));
            ReadOnlySpan<byte> frame = f.AsSpan(at + 16, caplen);
            at += 16 + caplen;
            Assert.Equal(0x0800, BinaryPrimitives.ReadUInt16BigEndian(frame[12..])); // IPv4
            ReadOnlySpan<byte> ip = frame[14..];
            int ihl = (ip[0] & 0x0f) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            Assert.Equal(6, ip[9]); // TCP
            ReadOnlySpan<byte> tcp = ip[ihl..total];
            int off = (tcp[12] >> 4) * 4;
            byte flags = tcp[13];
            list.Add(new Segment(
                BinaryPrimitives.ReadUInt16BigEndian(tcp), BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]), BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]),
                (flags & 0x02) != 0, (flags & 0x01) != 0, (flags & 0x04) != 0, tcp[off..].ToArray()));
        }

        return list;
    }

    private static string RunTool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), $"{tool} did not finish");
        Assert.Equal(0, p.ExitCode);
        return stdout.Result;
    }
}
