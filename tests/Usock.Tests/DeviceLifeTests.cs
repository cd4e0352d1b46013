using System.Text.Json;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>usock run --network SCENARIO</c>: the modem modules follow the scenario's radio events as the firmware does
/// (the dataCall callback's <c>(profile, state, sim)</c>, <c>getInfo</c>, <c>checkNet</c>'s <c>(stage, state)</c>,
/// <c>net</c>'s registration and signal), the timeline records it, and a bad scenario is a usage error naming its line.
/// </summary>
public sealed class DeviceLifeTests
{
    private static string Scenario(string name) => PythonScripts.Script("network/" + name);

    [Fact]
    public void CheckNet_waits_out_an_outage_and_a_coverage_loss_as_the_callback_reports_them()
    {
        string timeline = Path.GetTempFileName();
        try
        {
            CliProcess.Result r = PythonScripts.Run("--network", Scenario("checknet_outage.txt"), "--timeline", timeline, Scenario("checknet_outage.py"));
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal(
                "start (3, 1) 28\n" +
                "lost (1, 0, 0) [0, 0, '0.0.0.0'] 1\n" +
                "wait (3, 1)\n" +
                "restored (1, 1, 0) 1 8 -97\n" +
                "lost (1, 0, 0) 2 99 (2, 2)\n" +
                "wait (3, 1)\n" +
                "restored (1, 1, 0)\n",
                r.StdOut);
            List<JsonElement> lines = CliTest.JsonLines(File.ReadAllText(timeline));
            Assert.Equal(
                [
                    "scenario start", "scenario signal", "scenario outage_start", "modem data_call_down", "scenario outage_end",
                    "modem data_call_up", "scenario coverage_lost", "modem data_call_down", "scenario coverage_restored", "modem data_call_up", "run summary",
                ],
                lines.Select(l => $"{l.GetProperty("source").GetString()} {l.GetProperty("event").GetString()}"));
            JsonElement summary = lines[^1];
            Assert.Equal(2, summary.GetProperty("outages").GetInt32());
            Assert.All(summary.GetProperty("outage_seconds").EnumerateArray(), o => Assert.InRange(o.GetDouble(), 0.9, 5));
            Assert.Contains("usock: network: 2 outage(s), 0 reconnect(s)", r.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(timeline);
        }
    }

    [Fact]
    public void The_cfun_switch_from_an_osTimer_brings_a_stuck_data_call_back_after_the_attach_time()
    {
        string timeline = Path.GetTempFileName();
        try
        {
            CliProcess.Result r = PythonScripts.Run("--attach-ms", "300", "--network", Scenario("cfun_switch.txt"), "--timeline", timeline, Scenario("cfun_switch.py"));
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("lost 0 1\ncfun switch\nback 1 1 1\n", r.StdOut);
            List<JsonElement> lines = CliTest.JsonLines(File.ReadAllText(timeline));
            Assert.Equal(
                ["scenario start", "scenario data_call_lost", "modem data_call_down", "modem cfun 0", "modem cfun 1", "modem attached", "modem data_call_up", "run summary"],
                lines.Select(l => $"{l.GetProperty("source").GetString()} {l.GetProperty("event").GetString()}" + (l.TryGetProperty("value", out JsonElement v) ? $" {v.GetInt32()}" : "")));
            double cfun1 = lines[4].GetProperty("time").GetDouble();
            Assert.True(lines[6].GetProperty("time").GetDouble() - cfun1 >= 0.295, "attached before the attach time");
        }
        finally
        {
            File.Delete(timeline);
        }
    }

    [Theory]
    [InlineData("seed 1\nlatency 80ms~20ms\nat 5s outage\n", "line 3: expected 'at TIME outage LENGTH'")]
    [InlineData("# a day\n\nat soon signal 8\n", "line 3: 'soon' is not a duration")]
    [InlineData("signal 40\n", "line 1: expected 'signal CSQ' with CSQ 0-31 or 99, not '40'")]
    [InlineData("nat_idle 5m answer=rst\n", "line 1: expected answer=reset or answer=silence, not 'answer=rst'")]
    [InlineData("outage 10s\n", "line 1: expected 'outage START+LENGTH' (e.g. 10s+30s) or 'at TIME outage LENGTH', not '10s'")]
    [InlineData("at 1s data_call gone\n", "line 1: expected 'data_call lost' or 'data_call restored', not 'gone'")]
    [InlineData("latency 5ms\nwobble 3\n", "line 2: unknown fault 'wobble'")]
    [InlineData("seed x\n", "line 1: expected 'seed N' with an integer N")]
    [InlineData("seed 2\nstart on boot\n", "line 2: expected 'start on setCallback' or 'start on connect'")]
    [InlineData("{\"faults\": [\"latency\"]}", "fault 1: latency needs a value")]
    [InlineData("{\"start_on\": \"boot\", \"faults\": []}", "\"start_on\" takes \"setCallback\" or \"connect\"")]
    public void A_bad_scenario_is_a_usage_error_that_names_its_line(string text, string expected)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, text);
            CliProcess.Result r = CliProcess.Run("run", "--network", file, "-c", "pass");
            Assert.Equal(2, r.ExitCode);
            Assert.StartsWith($"usock: --network '{file}': {expected}", r.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_chaos_JSON_scenario_is_read_too_its_outages_drop_the_data_call()
    {
        string file = Path.GetTempFileName();
        try
        {
            // "start_on": the outage counts from the program's setCallback, so a slow start cannot make it miss the loss.
            File.WriteAllText(file, "{\"seed\": 4, \"start_on\": \"setCallback\", \"faults\": [\"latency 50ms\", {\"fault\": \"outage\", \"value\": \"1s+500ms\"}]}");
            const string Code = "import dataCall, queue\nq = queue.Queue()\ndataCall.setCallback(lambda a: q.put(a))\nprint(q.get(), q.get())";
            CliProcess.Result r = PythonScripts.Run("--network", file, "--timeline", "-", "-c", Code);
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("(1, 0, 0) (1, 1, 0)\n", r.StdOut);
            Assert.Contains("\"event\":\"start\",\"detail\":\"seed 4, on setCallback\"", r.StdErr, StringComparison.Ordinal);
            Assert.Contains("\"event\":\"condition\",\"detail\":\"latency 50ms\"", r.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Before_a_scenario_starts_on_the_programs_step_the_radio_still_attaches_and_no_event_comes()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "start on connect\nat 0s outage 10s\n");
            const string Code = "import checkNet, net\nnet.setModemFun(0)\nnet.setModemFun(1)\nprint(checkNet.waitNetworkReady(5), net.getState()[1][0])";
            CliProcess.Result r = PythonScripts.Run("--attach-ms", "100", "--network", file, "--timeline", "-", "-c", Code);
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("(3, 1) 1\n", r.StdOut); // attached after 100 ms; the outage at 0 s waits for a connect that never comes
            Assert.Contains("\"event\":\"attached\"", r.StdErr, StringComparison.Ordinal);
            Assert.DoesNotContain("outage_start", r.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("cellular-day.txt")]
    [InlineData("cellular-day-ci.txt")]
    [InlineData("stuck-modem.txt")]
    [InlineData("carrier-reset.txt")]
    public void The_example_scenarios_are_valid(string name)
    {
        CliProcess.Result r = PythonScripts.Run("--network", Path.Combine(PythonScripts.RepoRoot, "examples", "network", name), "-c", "import net; print(net.getState()[1][0])");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("1\n", r.StdOut);
    }

    [Fact]
    public void Seed_and_timeline_need_a_network()
    {
        CliProcess.Result r = CliProcess.Run("run", "--seed", "3", "-c", "pass");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: --seed, --timeline and --picture go with --network FILE", r.StdErr, StringComparison.Ordinal);
    }
}
