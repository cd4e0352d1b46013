using System.Text.Json;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>usock run --network</c>: the program's own TCP connections meet the scenario's faults in-process, with no
/// address rewired: through an outage sends stall and time out (110), lookups fail (-202), connects time out (110);
/// after a NAT idle drop the next send meets a reset (104) or silence (110). Asserted on what the peer received, on
/// the program's errors and on the timeline (its summary counts the bytes that never arrived).
/// </summary>
public sealed class DeviceLifeSocketTests
{
    private static string Script(string name) => PythonScripts.Script("network/" + name);

    [Fact]
    public void Through_an_outage_sends_lookups_and_connects_fail_as_on_the_device_and_the_program_reconnects()
    {
        using var server = new LineEchoServer();
        string p = CliTest.Arg(server.Port);
        string timeline = Path.GetTempFileName();
        try
        {
            CliProcess.Result r = PythonScripts.Run(
                "--network", Script("tcp_outage.txt"), "--timeline", timeline, "--resolve", $"server.example:{p}=127.0.0.1:{p}", Script("tcp_outage.py"), p);
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("echo b'hello 1\\n' True\nsend 110\nlookup -202\nconnect 110\necho b'hello 2\\n'\n", r.StdOut);
            Assert.Equal(["1: hello 1", "2: hello 2"], server.Lines); // nothing of what was sent during the outage arrived
            long sent = long.Parse(System.Text.RegularExpressions.Regex.Match(r.StdErr, @"^sent (\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(sent > 0, r.StdErr);

            List<JsonElement> lines = CliTest.JsonLines(File.ReadAllText(timeline));
            Assert.Equal(
                ["socket connect", "modem data_call_down", "socket vanished", "socket error", "socket lookup_failed", "socket connect_failed", "modem data_call_up", "socket connect"],
                Events(lines).Where(e => e is "socket connect" or "socket vanished" or "socket error" or "socket lookup_failed" or "socket connect_failed" || e.StartsWith("modem ", StringComparison.Ordinal)));
            Assert.Equal(-202, lines.Single(l => l.GetProperty("event").GetString() == "lookup_failed").GetProperty("errno").GetInt32());
            JsonElement summary = lines[^1];
            Assert.Equal(1, summary.GetProperty("outages").GetInt32());
            Assert.Equal(1, summary.GetProperty("reconnects").GetInt32());
            Assert.Equal(sent, summary.GetProperty("lost_bytes").GetInt64());
        }
        finally
        {
            File.Delete(timeline);
        }
    }

    [Theory]
    [InlineData("reset", "104")]
    [InlineData("silence", "110")]
    public void After_a_NAT_idle_drop_the_next_send_meets_the_carriers_answer_and_a_heartbeat_keeps_the_next_connection(string answer, string errno)
    {
        using var server = new LineEchoServer();
        CliProcess.Result r = PythonScripts.Run("--network", Script($"tcp_nat_{answer}.txt"), Script("tcp_nat.py"), CliTest.Arg(server.Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal($"echo b'a\\n'\nrecv {errno}\nkept\n", r.StdOut);
        Assert.Equal(["1: a", .. Enumerable.Repeat("2: beat", 6)], server.Lines); // "b" was sent into the dropped mapping
        Assert.Contains("1 reconnect(s)", r.StdErr, StringComparison.Ordinal);
        Assert.Contains(", 2 B sent that peers never received", r.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp_nat_reset.txt", "recv 104", "does not keep the NAT mapping (idle timeout 3 s) open")]
    [InlineData("tcp_keepalive.txt", "recv b'b\\n'", "keeps the NAT mapping (idle timeout 120 s) open")]
    public void A_keepalive_keeps_the_NAT_mapping_only_when_its_probes_come_before_the_NAT_forgets(string scenario, string recv, string rule)
    {
        using var server = new LineEchoServer();
        string timeline = Path.GetTempFileName();
        try
        {
            CliProcess.Result r = PythonScripts.Run("--network", Script(scenario), "--timeline", timeline, Script("tcp_keepalive.py"), CliTest.Arg(server.Port));
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal($"echo b'a\\n'\n{recv}\n", r.StdOut); // a 1-minute keepalive cannot beat a 3 s NAT
            JsonElement keepalive = CliTest.JsonLines(File.ReadAllText(timeline)).Single(l => l.GetProperty("event").GetString() == "keepalive");
            Assert.Equal(1, keepalive.GetProperty("value").GetInt32());
            Assert.Equal(rule, keepalive.GetProperty("detail").GetString());
        }
        finally
        {
            File.Delete(timeline);
        }
    }

    [Fact]
    public void An_MQTT_client_reconnects_after_the_callback_says_the_data_call_is_back_and_the_broker_gets_every_message()
    {
        PythonScripts.SkipUnlessPython();
        using Mosquitto broker = Mosquitto.Start();
        using LinePeer observer = broker.Subscribe("usock/life", 6);
        CliProcess.Result r = PythonScripts.Run(
            "--network", Script("mqtt_life.txt"), "--resolve", $"broker.example.com:1883=127.0.0.1:{CliTest.Arg(broker.Port)}", Script("mqtt_life.py"));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("published 1\npublished 2\npublished 3\nlost\npublished 4\npublished 5\npublished 6\n", r.StdOut);
        observer.WaitForExit();
        Assert.Equal([.. Enumerable.Range(1, 6).Select(i => $"usock/life msg {i}")], observer.Lines);
        broker.WaitFor("Received DISCONNECT from usock-life", "the last disconnect");
        // The broker saw two connections; it learned that the first was dead only when the second came.
        Assert.Equal(2, broker.Log.Count(l => l.Contains("New client connected", StringComparison.Ordinal) && l.Contains(" as usock-life ", StringComparison.Ordinal)));
        Assert.Contains(broker.Log, l => l.Contains("Client usock-life already connected, closing old connection", StringComparison.Ordinal));
        Assert.Contains("1 reconnect(s)", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Latency_and_bandwidth_shape_the_programs_round_trips_and_transfers_and_a_nonblocking_connect_is_relayed()
    {
        using var server = new LineEchoServer();
        CliProcess.Result r = PythonScripts.Run("--network", Script("tcp_shape.txt"), Script("tcp_shape.py"), CliTest.Arg(server.Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(r.StdOut, @"^rtt (\d+) transfer (\d+)\nnonblocking 115\necho b'after\\n'\n$");
        Assert.True(m.Success, r.StdOut);
        Assert.InRange(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 195, 3000); // 100 ms each way
        Assert.InRange(int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 3900, 30000); // 32 KB at 16 KB/s, there and back
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public void Datagrams_sent_during_an_outage_are_lost_and_counted()
    {
        using var receiver = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        receiver.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        string port = CliTest.Arg(((System.Net.IPEndPoint)receiver.LocalEndPoint!).Port);
        CliProcess.Result r = PythonScripts.Run("--network", Script("udp_outage.txt"), Script("udp_outage.py"), port);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("before 6\nduring 6\nafter 5\n", r.StdOut);
        var got = new List<string>();
        byte[] buf = new byte[100];
        while (receiver.Available > 0) // loopback datagrams are queued before sendto returns
        {
            got.Add(System.Text.Encoding.ASCII.GetString(buf, 0, receiver.Receive(buf)));
        }

        Assert.Equal(["before", "after"], got);
        Assert.Contains(", 6 B sent that peers never received", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stall_holds_a_round_trip_until_it_ends()
    {
        using var server = new LineEchoServer();
        CliProcess.Result r = PythonScripts.Run("--network", Script("tcp_stall.txt"), Script("tcp_stall.py"), CliTest.Arg(server.Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(r.StdOut, @"^rtt (\d+)\n$");
        Assert.True(m.Success, r.StdOut);
        Assert.InRange(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1000, 9000); // sent at ~2 s, the stall ends at 4 s
        Assert.Equal(["1: ping"], server.Lines);
    }

    [Fact]
    public void The_same_scenario_and_seed_give_the_same_timeline_of_events()
    {
        string[] Run()
        {
            using var server = new LineEchoServer();
            string timeline = Path.GetTempFileName();
            try
            {
                CliProcess.Result r = PythonScripts.Run("--network", Script("tcp_nat_reset.txt"), "--seed", "5", "--timeline", timeline, Script("tcp_nat.py"), CliTest.Arg(server.Port));
                Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
                return [.. CliTest.JsonLines(File.ReadAllText(timeline)).Select(l => Strip(l))];
            }
            finally
            {
                File.Delete(timeline);
            }
        }

        string[] first = Run();
        Assert.Contains("scenario start seed 5", first);
        Assert.Equal(first, Run());
    }

    private static IEnumerable<string> Events(IEnumerable<JsonElement> lines) =>
        lines.Select(l => $"{l.GetProperty("source").GetString()} {l.GetProperty("event").GetString()}");

    // An event without its time, and without what depends on the clock (idle time, recovery times, ports).
    private static string Strip(JsonElement l)
    {
        string e = $"{l.GetProperty("source").GetString()} {l.GetProperty("event").GetString()}";
        if (l.TryGetProperty("conn", out JsonElement c))
        {
            e += $" conn {c.GetInt64()}";
        }

        if (l.TryGetProperty("errno", out JsonElement n))
        {
            e += $" errno {n.GetInt32()}";
        }

        if (l.TryGetProperty("detail", out JsonElement d) && !e.Contains("nat_drop", StringComparison.Ordinal))
        {
            e += $" {d.GetString()}";
        }

        if (l.TryGetProperty("lost_bytes", out JsonElement lost))
        {
            e += $" lost {lost.GetInt64()} reconnects {l.GetProperty("reconnects").GetInt32()}";
        }

        return e;
    }
}
