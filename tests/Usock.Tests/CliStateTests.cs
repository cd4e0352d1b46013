using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary><c>usock state</c>: GetSocketSta as number and name, and its transitions with --watch.</summary>
public class CliStateTests
{
    [Fact]
    public void State_PrintsEstablished()
    {
        using USocket l = Loopback.Listener();

        CliProcess.Result r = CliProcess.Run("state", "127.0.0.1", Arg(l.GetSockName().Port));

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("4 ESTABLISHED\n", r.StdOut);
    }

    [Fact]
    public void StateWatch_PeerCloses_PrintsCloseWaitThenClosed()
    {
        using USocket l = Loopback.Listener();
        l.SetTimeout(30);
        using CliProcess.Running watch = CliProcess.Start("state", "--watch", "127.0.0.1", Arg(l.GetSockName().Port));
        (USocket conn, _, _) = l.Accept();
        watch.WaitForStdOut("4 ESTABLISHED\n");

        conn.Close(); // our FIN: usock's socket goes to CLOSE_WAIT, then usock closes its side too

        CliProcess.Result r = watch.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        string[] lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("4 ESTABLISHED", lines[0]);
        Assert.Equal("7 CLOSE_WAIT", lines[1]);
        Assert.Equal("0 CLOSED", lines[^1]);
        Assert.All(lines[2..^1], line => Assert.Equal("9 LAST_ACK", line)); // seen only if the poll is quick enough
    }

    [Fact]
    public void StateWatch_Hold_StaysInCloseWaitUntilTheDuration()
    {
        using USocket l = Loopback.Listener();
        l.SetTimeout(30);
        using CliProcess.Running watch = CliProcess.Start("state", "--watch", "--hold", "--duration", "1s", "127.0.0.1", Arg(l.GetSockName().Port));
        (USocket conn, _, _) = l.Accept();
        watch.WaitForStdOut("4 ESTABLISHED\n");

        conn.Close();

        CliProcess.Result r = watch.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("4 ESTABLISHED\n7 CLOSE_WAIT\n", r.StdOut);
    }

    [Fact]
    public void StateWatch_Json_ReportsEachStateAsAnEvent()
    {
        using USocket l = Loopback.Listener();
        l.SetTimeout(30);
        using CliProcess.Running watch = CliProcess.Start("state", "--watch", "--json", "127.0.0.1", Arg(l.GetSockName().Port));
        (USocket conn, _, _) = l.Accept();
        watch.WaitForStdOut("4 ESTABLISHED\n");
        conn.Close();

        CliProcess.Result r = watch.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        List<System.Text.Json.JsonElement> events = JsonLines(r.StdErr);
        Assert.Equal("connected", events[0].GetProperty("event").GetString());
        var states = events.Where(e => e.GetProperty("event").GetString() == "state")
            .Select(e => (e.GetProperty("state").GetInt32(), e.GetProperty("name").GetString())).ToList();
        Assert.Equal((4, "ESTABLISHED"), states[0]);
        Assert.Equal((7, "CLOSE_WAIT"), states[1]);
        Assert.Equal((0, "CLOSED"), states[^1]);
    }

    [Fact]
    public void State_Refused_ExitsOne()
    {
        CliProcess.Result r = CliProcess.Run("state", "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("connect failed: [Errno 104] ECONNRESET", r.StdErr);
        Assert.Equal("", r.StdOut);
    }

    [Theory]
    [InlineData("--duration", "soon")]
    [InlineData("--interval", "1y")]
    public void State_BadDurations_ExitTwo(string option, string value)
    {
        CliProcess.Result r = CliProcess.Run("state", "--watch", option, value, "127.0.0.1", "80");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{option} takes a duration", r.StdErr);
    }
}
