using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>usock chaos</c> as a real process: it prints the port it picked, relays with the faults given, takes control
/// commands on stdin and on its control endpoint while traffic flows, writes a timeline and a pcap, and turns bad
/// values into one-line errors with exit code 2 (4 for a scenario file that cannot be read).
/// </summary>
public class ChaosCliTests
{
    [Fact]
    public void Chaos_RelaysWithLatency_StdinControlsIt_AndWritesATimelineAndAPcap()
    {
        using var peer = ChaosPeer.Echo();
        string dir = Directory.CreateTempSubdirectory("usock-chaos-cli-").FullName;
        string timeline = Path.Combine(dir, "t.jsonl");
        string pcap = Path.Combine(dir, "t.pcap");
        try
        {
            using CliProcess.Running p = CliProcess.Start("chaos", "0", "127.0.0.1", CliTest.Arg(peer.Port), "--latency", "30ms~5ms", "--seed", "3", "--timeline", timeline, "--pcap", pcap);
            int port = p.ListeningPort();
            using (var u = new USocket())
            {
                u.SetTimeout(Loopback.Patience);
                u.Connect(("127.0.0.1", port));
                u.SendAll("through the proxy"u8);
                Wire.Equal("through the proxy"u8.ToArray(), u.Read(17));
            }

            p.Write("list\n");
            p.WaitForStdOut("ok 1: latency 30ms~5ms");
            p.Write("add down\n");
            p.WaitForStdOut("ok 2");
            Assert.True(Loopback.Eventually(() =>
            {
                using var refused = new USocket();
                refused.SetTimeout(Loopback.Patience);
                try
                {
                    refused.Connect(("127.0.0.1", port));
                    return false;
                }
                catch (UsocketException e) when (e.Errno == Errno.ECONNRESET)
                {
                    return true; // refused, as the device profile reports it
                }
            }), "the proxy still accepted connections after 'add down'");
            p.Write("remove 2\n");
            p.Write("add nonsense\n");
            p.WaitForStdOut("error unknown fault 'nonsense'");
            Assert.True(Loopback.Eventually(() => File.ReadAllText(timeline).Contains("\"event\":\"accepting\"", StringComparison.Ordinal)));

            List<System.Text.Json.JsonElement> events = CliTest.JsonLines(File.ReadAllText(timeline));
            Assert.Contains(events, e => e.GetProperty("event").GetString() == "open");
            Assert.Contains(events, e => e.GetProperty("fault").ValueKind == System.Text.Json.JsonValueKind.String && e.GetProperty("fault").GetString() == "latency");
            Assert.Contains(events, e => e.GetProperty("event").GetString() == "refusing");
            List<ChaosRecordingTests.Segment> segments = ChaosRecordingTests.ReadPcap(pcap);
            Assert.Equal(4, segments.Count(s => s.Syn));
            Assert.Equal("through the proxy", System.Text.Encoding.ASCII.GetString([.. segments.Where(s => s.DstPort == port).SelectMany(s => s.Payload)]));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Chaos_ControlEndpoint_AndDurationEndsTheRunWithExit0()
    {
        using var peer = ChaosPeer.Echo();
        using CliProcess.Running p = CliProcess.Start("chaos", "0", "127.0.0.1", CliTest.Arg(peer.Port), "--control", "0", "--duration", "3s", "--fault", "nat_idle 2m");
        p.ListeningPort();
        int control = int.Parse(p.WaitForStdErr(@"control on \('127\.0\.0\.1', (\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        using var c = new USocket();
        c.SetTimeout(Loopback.Patience);
        c.Connect(("127.0.0.1", control));
        c.SendAll("list\n"u8);
        Assert.Equal("ok 1: nat_idle 120000ms", c.ReadLine() is { } line ? System.Text.Encoding.UTF8.GetString(line).TrimEnd('\n') : null);
        c.SendAll("add latency 5ms\n"u8);
        Assert.Equal("ok 2\n", System.Text.Encoding.UTF8.GetString(c.ReadLine()!));
        CliProcess.Result r = p.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("stopped after", r.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--latency", "fast", "--latency")]
    [InlineData("--bandwidth", "64KB", "--bandwidth")]
    [InlineData("--reset-after", "soon", "--reset-after")]
    [InlineData("--outage", "10s", "--outage")]
    [InlineData("--toxicity", "2", "--toxicity")]
    [InlineData("--direction", "sideways", "--direction")]
    [InlineData("--fault", "latency", "latency needs a value")]
    public void Chaos_BadValues_OneLineError_Exit2(string option, string value, string mentioned)
    {
        CliProcess.Result r = CliProcess.Run("chaos", "0", "127.0.0.1", "9", option, value);
        Assert.Equal(2, r.ExitCode);
        string first = r.StdErr.Split('\n')[0];
        Assert.StartsWith("usock: ", first, StringComparison.Ordinal);
        Assert.Contains(mentioned, first, StringComparison.Ordinal);
    }

    [Fact]
    public void Chaos_BadPorts_Exit2_MissingScenario_Exit4_BadScenario_Exit2()
    {
        Assert.Equal(2, CliProcess.Run("chaos", "70000", "127.0.0.1", "9").ExitCode);
        Assert.Equal(2, CliProcess.Run("chaos", "0", "127.0.0.1", "0").ExitCode);
        CliProcess.Result missing = CliProcess.Run("chaos", "0", "127.0.0.1", "9", "--scenario", "/nonexistent/usock-chaos.json");
        Assert.Equal(4, missing.ExitCode);
        Assert.Contains("cannot read the scenario", missing.StdErr, StringComparison.Ordinal);

        string bad = Path.GetTempFileName();
        try
        {
            File.WriteAllText(bad, """{ "faults": [ { "fault": "nat_idle", "value": "forever" } ] }""");
            CliProcess.Result r = CliProcess.Run("chaos", "0", "127.0.0.1", "9", "--scenario", bad);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("fault 1: 'forever' is not a duration", r.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public void Chaos_ExampleScenario_Loads_AndThePeerIsReachedThroughIt()
    {
        using var peer = ChaosPeer.Echo();
        string scenario = Path.Combine(ChaosProxyTests.RepoRoot(), "examples", "chaos", "cellular.json");
        using CliProcess.Running p = CliProcess.Start("chaos", "0", "127.0.0.1", CliTest.Arg(peer.Port), "--scenario", scenario);
        int port = p.ListeningPort();
        p.WaitForStdErr("fault 5: outage 20000ms\\+8000ms");
        using var u = new USocket();
        u.SetTimeout(Loopback.Patience);
        u.Connect(("127.0.0.1", port));
        u.SendAll("hi"u8);
        Wire.Equal("hi"u8.ToArray(), u.Read(2));
    }
}
