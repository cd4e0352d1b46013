using System.Text;
using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary>What every command shares: the hex dump, JSON events, colour rules, and help with examples.</summary>
public class CliOutputTests
{
    /// <summary>A peer that reads to the end of stream, answers <paramref name="answer"/> and closes.</summary>
    private static (USocket Listener, Thread Peer) AnsweringPeer(string answer)
    {
        USocket l = Loopback.Listener();
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (USocket conn, _, _) = l.Accept();
            using (conn)
            {
                conn.SetTimeout(30);
                conn.Read();
                conn.SendAll(Encoding.ASCII.GetBytes(answer));
            }
        });
        peer.Start();
        return (l, peer);
    }

    [Fact]
    public void Hex_DumpsEachChunkInSocatStyle()
    {
        (USocket l, Thread peer) = AnsweringPeer("ok\n");
        using (l)
        {
            CliProcess.Result r = CliProcess.RunWith("Hello, usock! 0123456789\n", null, "connect", "--hex", "127.0.0.1", Arg(l.GetSockName().Port));

            Assert.True(peer.Join(CliProcess.Patience));
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("ok\n", r.StdOut); // the data still goes to stdout; the dump is on stderr
            Assert.Matches(@"(?m)^> \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6}  length=25 from=0 to=24\n" +
                @"0000  48 65 6c 6c 6f 2c 20 75 73 6f 63 6b 21 20 30 31  Hello, usock! 01\n" +
                @"0010  32 33 34 35 36 37 38 39 0a                       23456789\.\n", r.StdErr);
            Assert.Matches(@"(?m)^< \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6}  length=3 from=0 to=2\n" +
                @"0000  6f 6b 0a                                         ok\.\n", r.StdErr);
        }
    }

    [Fact]
    public void Json_EveryStderrLineIsAnEvent()
    {
        (USocket l, Thread peer) = AnsweringPeer("pong\n");
        using (l)
        {
            CliProcess.Result r = CliProcess.RunWith("ping\n", null, "connect", "--json", "--hex", "127.0.0.1", Arg(l.GetSockName().Port));

            Assert.True(peer.Join(CliProcess.Patience));
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("pong\n", r.StdOut);
            List<System.Text.Json.JsonElement> events = JsonLines(r.StdErr);
            Assert.Equal(["connected", "sent", "received", "closed", "summary"], EventNames(events));
            Assert.All(events, e => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", e.GetProperty("time").GetString()));
            Assert.Equal(l.GetSockName().Port, events[0].GetProperty("port").GetInt32());
            Assert.Equal(5, events[1].GetProperty("bytes").GetInt32());
            Assert.Equal("70696e670a", events[1].GetProperty("hex").GetString());
            Assert.Equal("peer", events[3].GetProperty("by").GetString());
            Assert.Equal(5, events[4].GetProperty("sent").GetInt64());
            Assert.Equal(5, events[4].GetProperty("received").GetInt64());
        }
    }

    [Fact]
    public void Json_ErrorsAreEventsWithTheErrno()
    {
        CliProcess.Result r = CliProcess.Run("connect", "--json", "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        System.Text.Json.JsonElement e = Assert.Single(JsonLines(r.StdErr));
        Assert.Equal("error", e.GetProperty("event").GetString());
        Assert.Equal("connect", e.GetProperty("op").GetString());
        Assert.Equal(104, e.GetProperty("errno").GetInt32());
        Assert.Equal("ECONNRESET", e.GetProperty("name").GetString());
    }

    [Fact]
    public void ForceColor_ColoursStderr_WhichIsHowTheOthersProveTheyTurnItOff()
    {
        CliProcess.Result r = CliProcess.RunWith(null, new Dictionary<string, string?> { ["FORCE_COLOR"] = "1" }, "connect", "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("\e[31musock: connect failed: [Errno 104] ECONNRESET\e[0m", r.StdErr);
    }

    [Fact]
    public void NoColorEnvironment_WinsOverForceColor()
    {
        var env = new Dictionary<string, string?> { ["FORCE_COLOR"] = "1", ["NO_COLOR"] = "1" };

        CliProcess.Result r = CliProcess.RunWith(null, env, "connect", "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("usock: connect failed: [Errno 104] ECONNRESET", r.StdErr);
        Assert.DoesNotContain("\e", r.StdErr);
    }

    [Fact]
    public void NoColorOption_WinsOverForceColor_InDumpsToo()
    {
        (USocket l, Thread peer) = AnsweringPeer("ok\n");
        using (l)
        {
            var env = new Dictionary<string, string?> { ["FORCE_COLOR"] = "1" };
            CliProcess.Result r = CliProcess.RunWith("x\n", env, "connect", "--no-color", "--hex", "127.0.0.1", Arg(l.GetSockName().Port));

            Assert.True(peer.Join(CliProcess.Patience));
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("length=2 from=0 to=1", r.StdErr);
            Assert.DoesNotContain("\e", r.StdErr);
            Assert.DoesNotContain("\e", r.StdOut);
        }
    }

    [Theory]
    [InlineData("usock connect 127.0.0.1 8080", "connect")]
    [InlineData("usock listen 0 --echo --keep", "listen")]
    [InlineData("usock udp send --reply 127.0.0.1 9000 ping", "udp")]
    [InlineData("usock udp send 127.0.0.1 9000 hello", "udp", "send")]
    [InlineData("usock udp echo 9000", "udp", "echo")]
    [InlineData("usock resolve localhost 80", "resolve")]
    [InlineData("usock state --watch", "state")]
    [InlineData("usock send firmware.bin", "send")]
    [InlineData("usock recv copy.bin 9000", "recv")]
    [InlineData("usock example --host", "example")]
    public void Help_EveryCommandShowsAnExample(string example, params string[] command)
    {
        CliProcess.Result r = CliProcess.Run([.. command, "--help"]);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Examples:", r.StdOut);
        Assert.Contains(example, r.StdOut);
        Assert.Contains($"usock {string.Join(' ', command)}", r.StdOut);
    }

    [Fact]
    public void Help_RootListsEveryCommand()
    {
        CliProcess.Result r = CliProcess.Run("--help");

        Assert.Equal(0, r.ExitCode);
        foreach (string command in new[] { "example", "connect", "listen", "udp", "resolve", "state", "send", "recv" })
        {
            Assert.Matches($@"(?m)^  {command}\b", r.StdOut);
        }
    }
}
