using System.Text;
using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary>
/// The command line as a netcat user meets it: unknown options named wherever they stand, netcat habits answered
/// with what to type instead, <c>-v</c>/<c>-q</c>/<c>-w</c>, <c>udp listen</c>, consistent values and wording.
/// Each as a real usock process.
/// </summary>
public class CliUsageTests
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
                if (answer.Length > 0)
                {
                    conn.SendAll(Encoding.ASCII.GetBytes(answer));
                }
            }
        });
        peer.Start();
        return (l, peer);
    }

    [Theory]
    [InlineData("--bogus", "usock connect", "connect", "--bogus", "127.0.0.1", "80")]
    [InlineData("--bogus", "usock connect", "connect", "127.0.0.1", "--bogus", "80")]
    [InlineData("--nope", "usock listen", "listen", "--nope", "0")]
    [InlineData("--nope", "usock udp send", "udp", "send", "--nope", "127.0.0.1", "9", "x")]
    [InlineData("-x", "usock state", "state", "-x", "127.0.0.1", "80")]
    [InlineData("--bogus=1", "usock resolve", "resolve", "--bogus=1", "localhost")]
    public void UnknownOption_AnywhereOnTheLine_IsNamed(string option, string command, params string[] args)
    {
        CliProcess.Result r = CliProcess.Run(args);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"usock: unknown option '{option}' for '{command}'.", r.StdErr);
        Assert.Contains($"Try '{command} --help'.", r.StdErr);
        Assert.DoesNotContain("Unrecognized command or argument", r.StdErr);
    }

    [Theory]
    [InlineData("-l: use 'usock listen PORT'", "connect", "-l", "1234")]
    [InlineData("-l: use 'usock listen PORT'", "connect", "-lvp", "1234")]
    [InlineData("'usock udp listen PORT'", "listen", "-u", "9000")]
    [InlineData("'usock udp listen PORT'", "listen", "-lu", "9000")]
    [InlineData("-p: the port is an argument: 'usock listen PORT'", "listen", "-p", "9000")]
    [InlineData("-k: keeping a server open is 'usock listen --keep PORT'", "connect", "-k", "127.0.0.1", "80")]
    [InlineData("-w: use --timeout DURATION", "udp", "send", "-w", "2", "127.0.0.1", "9", "x")]
    [InlineData("'usock listen --echo PORT'", "listen", "-e", "/bin/sh", "9000")]
    [InlineData("'usock listen --echo PORT'", "connect", "-e", "/bin/sh", "127.0.0.1", "80")]
    public void NetcatHabits_SayWhatToTypeInstead(string advice, params string[] args)
    {
        CliProcess.Result r = CliProcess.Run(args);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("usock: unknown option '-", r.StdErr);
        Assert.Contains(advice, r.StdErr);
        Assert.DoesNotContain("listening on", r.StdErr); // -e never starts a server
    }

    [Fact]
    public void Quiet_NoBannersNorSummary_ButTheDataFlows()
    {
        (USocket l, Thread peer) = AnsweringPeer("pong\n");
        using (l)
        {
            CliProcess.Result r = CliProcess.RunWith("ping\n", null, "connect", "-q", "127.0.0.1", Arg(l.GetSockName().Port));

            Assert.True(peer.Join(CliProcess.Patience));
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("pong\n", r.StdOut);
            Assert.Equal("", r.StdErr);
        }
    }

    [Fact]
    public void Quiet_StillReportsErrors()
    {
        CliProcess.Result r = CliProcess.Run("connect", "--quiet", "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("usock: connect failed: [Errno 104] ECONNRESET\n", r.StdErr);
    }

    [Fact]
    public void Verbose_SaysTheHalfCloseAndThePeersEnd()
    {
        (USocket l, Thread peer) = AnsweringPeer("pong\n");
        using (l)
        {
            CliProcess.Result r = CliProcess.RunWith("ping\n", null, "connect", "-v", "127.0.0.1", Arg(l.GetSockName().Port));

            Assert.True(peer.Join(CliProcess.Patience));
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("usock: stdin ended: half-closing (shutdown SHUT_WR)", r.StdErr);
            Assert.Contains("usock: the peer ended its stream (FIN)", r.StdErr);
        }
    }

    [Fact]
    public void VerboseAndQuiet_ExcludeEachOther()
    {
        CliProcess.Result r = CliProcess.Run("connect", "-v", "-q", "127.0.0.1", "80");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("-v and -q exclude each other", r.StdErr);
    }

    [Fact]
    public void W_IsTheTimeout_WithDurations()
    {
        using USocket l = Loopback.Listener();
        USocket? held = null;
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (held, _, _) = l.Accept(); // never answers, never closes
        });
        peer.Start();

        CliProcess.Result r = CliProcess.RunWith(null, null, "connect", "-w", "300ms", "127.0.0.1", Arg(l.GetSockName().Port));

        Assert.True(peer.Join(CliProcess.Patience));
        held?.Close();
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.StdErr}");
        Assert.Contains("the peer sent nothing for 300 ms after stdin ended", r.StdErr);
    }

    [Fact]
    public void W_WithABadDuration_NamesItself()
    {
        CliProcess.Result r = CliProcess.Run("connect", "-w", "soon", "127.0.0.1", "80");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("-w takes a duration such as 500ms, 5s", r.StdErr);
    }

    [Fact]
    public void UdpListen_PrintsEveryDatagramOnStdout()
    {
        using CliProcess.Running server = CliProcess.Start("udp", "listen", "0", "--count", "2");
        int port = server.ListeningPort();
        using var sender = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        sender.SendTo("one\n"u8, ("127.0.0.1", port));
        server.WaitForStdOut("one\n");
        sender.SendTo("two\n"u8, ("127.0.0.1", port));

        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("one\ntwo\n", r.StdOut);
        Assert.Contains("(udp)", r.StdErr);
        Assert.Contains("0 bytes sent, 8 bytes received in ", r.StdErr);
    }

    [Theory]
    [InlineData("example", "--port", "x")]
    [InlineData("example", "--timeout", "x")]
    [InlineData("example", "--timeout", "-1")]
    [InlineData("listen", "--keep", "--count", "x", "0")]
    [InlineData("listen", "--backlog", "many", "0")]
    [InlineData("udp", "echo", "--count", "x", "0")]
    [InlineData("udp", "listen", "--count", "-3", "0")]
    [InlineData("connect", "--timeout", "x", "127.0.0.1", "80")]
    [InlineData("resolve", "localhost", "x")]
    public void BadValues_NeverShowDotNetTypeNames(params string[] args)
    {
        CliProcess.Result r = CliProcess.Run(args);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: ", r.StdErr);
        Assert.DoesNotContain("System.", r.StdErr);
        Assert.DoesNotContain("Int32", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void ExampleTimeout_TakesADuration()
    {
        CliProcess.Result r = CliProcess.Run("example", "--timeout", "5s");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("INFO:SOCKET:recv 256 bytes:", r.StdOut);
    }

    [Fact]
    public void ExampleErrors_NameTheSocketCall()
    {
        CliProcess.Result refused = CliProcess.Run("example", "--host", "127.0.0.1", "--port", Arg(ClosedPort()));
        CliProcess.Result unresolvable = CliProcess.Run("example", "--host", "no-such-host.invalid");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("usock: connect failed: [Errno 104] ECONNRESET", refused.StdErr);
        Assert.Equal(1, unresolvable.ExitCode);
        Assert.Contains("usock: getaddrinfo failed: [Errno -202] EAI_FAIL", unresolvable.StdErr);
    }

    [Fact]
    public void RootHelp_ShowsOptionalArgumentsAsOptional()
    {
        CliProcess.Result r = CliProcess.Run("--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"(?m)^  resolve HOST \[PORT\] ", r.StdOut);
        Assert.Matches(@"(?m)^  udp send HOST PORT \[MESSAGE\] ", r.StdOut);
        Assert.Matches(@"(?m)^  connect HOST PORT ", r.StdOut);
        Assert.Matches(@"(?m)^  udp listen PORT ", r.StdOut);
        Assert.DoesNotContain("[default:", r.StdOut);
        Assert.DoesNotContain("<PORT>", r.StdOut);
    }

    [Theory]
    [InlineData("--count needs --keep", "listen", "--count", "3", "0")]
    [InlineData("--hold needs --watch", "state", "--hold", "127.0.0.1", "80")]
    [InlineData("--duration needs --watch", "state", "--duration", "5s", "127.0.0.1", "80")]
    [InlineData("--interval needs --watch", "state", "--interval", "5ms", "127.0.0.1", "80")]
    public void OptionsThatNeedAnother_AreRefused(string message, params string[] args)
    {
        CliProcess.Result r = CliProcess.Run(args);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public void OneByte_IsOneByte()
    {
        (USocket l, Thread peer) = AnsweringPeer("");
        using (l)
        {
            CliProcess.Result r = CliProcess.RunWith("x", null, "connect", "127.0.0.1", Arg(l.GetSockName().Port));

            Assert.True(peer.Join(CliProcess.Patience));
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("1 byte sent, 0 bytes received in ", r.StdErr);
            Assert.Contains("closed by the peer: 1 byte sent, 0 bytes received", r.StdErr);
        }
    }

    [Fact]
    public void ProgressAndSummary_UseOneUnitFamily_DecimalMegabytes()
    {
        // The progress bar is drawn only on a terminal: script(1) gives usock a pseudo-terminal.
        string? script = new[] { "/usr/bin/script", "/bin/script" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(script is null, "script (util-linux) is not installed: no pseudo-terminal for the progress bar");
        string file = Path.Combine(Path.GetTempPath(), $"usock-units-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(file, CliBinaryProcess.RandomBytes(3_000_000));
        try
        {
            using USocket l = Loopback.Listener();
            var peer = new Thread(() =>
            {
                l.SetTimeout(30);
                (USocket conn, _, _) = l.Accept();
                using (conn)
                {
                    conn.SetTimeout(30);
                    conn.Read(); // to the end of stream, then close: what usock send waits for
                }
            });
            peer.Start();
            // A wide terminal, so that the bar's columns are not wrapped mid-word.
            string command = $"stty cols 250 2>/dev/null; exec dotnet '{CliProcess.CommandDll}' send '{file}' 127.0.0.1 {Arg(l.GetSockName().Port)}";
            var psi = new System.Diagnostics.ProcessStartInfo(script!) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (string a in new[] { "-qec", command, "/dev/null" })
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment.Remove("NO_COLOR");
            using var p = System.Diagnostics.Process.Start(psi)!;
            string text = "";
            var reader = new Thread(() => text = p.StandardOutput.ReadToEnd());
            reader.Start();
            Assert.True(p.WaitForExit(60_000), "usock send under script did not finish");
            Assert.True(peer.Join(CliProcess.Patience));
            Assert.True(reader.Join(CliProcess.Patience));

            Assert.Equal(0, p.ExitCode);
            Assert.True(text.Contains("3.0 MB", StringComparison.Ordinal), "no \"3.0 MB\" in: " + text.Replace("\u001b", "ESC", StringComparison.Ordinal)); // the bar, decimal as the rate
            Assert.Matches(@"3000000 bytes sent, 0 bytes received in \d+\.\d{3} s \(\d+\.\d MB/s\)", text);
            Assert.DoesNotContain("MiB", text);
            Assert.DoesNotContain("KiB", text);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
