using System.Text;
using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary><c>usock connect</c> run as a process, against a second usock process or a peer the test owns.</summary>
public class CliConnectTests
{
    [Fact]
    public void ConnectAndListen_TwoProcesses_MoveDataBothWays()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0", "-v");
        int port = server.ListeningPort();
        using CliProcess.Running client = CliProcess.Start("connect", "127.0.0.1", Arg(port));
        server.WaitForStdErr(@"accepted \('127\.0\.0\.1', \d+\)");

        client.Write("hello from the client\n");
        server.WaitForStdOut("hello from the client\n");
        server.Write("hello from the server\n");
        client.WaitForStdOut("hello from the server\n");
        client.CloseStdIn(); // the client half-closes: the server sees the end of stream (said with -v) ...
        server.WaitForStdErr(@"the peer ended its stream \(FIN\)");
        server.Write("after your FIN\n"); // ... and keeps sending its own input (netcat's rule) ...
        client.WaitForStdOut("after your FIN\n");
        server.CloseStdIn(); // ... until that ends: then both directions are done and both ends exit

        CliProcess.Result c = client.WaitForExit();
        CliProcess.Result s = server.WaitForExit();
        Assert.Equal(0, c.ExitCode);
        Assert.Equal(0, s.ExitCode);
        Assert.Equal("hello from the server\nafter your FIN\n", c.StdOut);
        Assert.Equal("hello from the client\n", s.StdOut);
        Assert.Matches(@"22 bytes sent, 37 bytes received in \d+\.\d{3} s", c.StdErr);
        Assert.Matches(@"37 bytes sent, 22 bytes received in \d+\.\d{3} s", s.StdErr);
        Assert.Contains($"connected to ('127.0.0.1', {port}) from ('127.0.0.1', ", c.StdErr);
    }

    [Fact]
    public void Connect_StdinEnds_HalfClosesThenPrintsWhatThePeerSendsBeforeClosing()
    {
        using USocket l = Loopback.Listener();
        string? request = null;
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (USocket conn, _, _) = l.Accept();
            using (conn)
            {
                conn.SetTimeout(30);
                request = Encoding.ASCII.GetString(conn.Read()!); // to end of stream: usock's half-close
                conn.SendAll("pong\n"u8);
            }
        });
        peer.Start();

        CliProcess.Result r = CliProcess.RunWith("ping\n", null, "connect", "127.0.0.1", Arg(l.GetSockName().Port));

        Assert.True(peer.Join(CliProcess.Patience));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("ping\n", request);
        Assert.Equal("pong\n", r.StdOut);
        Assert.Contains("5 bytes sent, 5 bytes received in ", r.StdErr);
    }

    [Fact]
    public void Connect_Crlf_SendsLineEndsAsCrLf()
    {
        using USocket l = Loopback.Listener();
        byte[]? got = null;
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (USocket conn, _, _) = l.Accept();
            using (conn)
            {
                conn.SetTimeout(30);
                got = conn.Read();
            }
        });
        peer.Start();

        CliProcess.Result r = CliProcess.RunWith("GET / HTTP/1.0\n\n", null, "connect", "--crlf", "127.0.0.1", Arg(l.GetSockName().Port));

        Assert.True(peer.Join(CliProcess.Patience));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("GET / HTTP/1.0\r\n\r\n", Encoding.ASCII.GetString(got!));
    }

    [Fact]
    public void Connect_PeerSilentAfterStdinEnds_ClosesAfterTheTimeout()
    {
        using USocket l = Loopback.Listener();
        USocket? held = null;
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (held, _, _) = l.Accept(); // accepted and never answered nor closed
        });
        peer.Start();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        CliProcess.Result r = CliProcess.RunWith(null, null, "connect", "--timeout", "300ms", "127.0.0.1", Arg(l.GetSockName().Port));

        Assert.True(peer.Join(CliProcess.Patience));
        held?.Close();
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("the peer sent nothing for 300 ms after stdin ended", r.StdErr);
        Assert.True(clock.Elapsed.TotalMilliseconds >= 300);
    }

    [Fact]
    public void Connect_Refused_ExitsOneWithTheDevicesErrno()
    {
        CliProcess.Result r = CliProcess.Run("connect", "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("usock: connect failed: [Errno 104] ECONNRESET", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void Connect_RefusedWithPosix_ExitsOneWithECONNREFUSED()
    {
        CliProcess.Result r = CliProcess.Run("connect", "--posix", "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("connect failed: [Errno 111] ECONNREFUSED", r.StdErr);
    }

    [Fact]
    public void Connect_UnresolvableName_ExitsOneWithTheLookupErrno()
    {
        CliProcess.Result r = CliProcess.Run("connect", "no-such-host.invalid", "80");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("getaddrinfo failed: [Errno -202] EAI_FAIL", r.StdErr);
    }

    [Fact]
    public void Connect_IPv6_ReachesAnIPv6Listener()
    {
        using USocket l = Loopback.Listener(USocket.AF_INET6);
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (USocket conn, _, _) = l.Accept();
            using (conn)
            {
                conn.SetTimeout(30);
                conn.SendAll(conn.Read()!);
            }
        });
        peer.Start();

        CliProcess.Result r = CliProcess.RunWith("over six\n", null, "connect", "-6", "localhost", Arg(l.GetSockName().Port));

        Assert.True(peer.Join(CliProcess.Patience));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("over six\n", r.StdOut);
        Assert.Contains("connected to ('::1', ", r.StdErr);
    }

    [Fact]
    public void Connect_Udp_SendsADatagramAndPrintsTheReply()
    {
        using var server = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        server.Bind(("127.0.0.1", 0));
        server.SetTimeout(30);
        string? got = null;
        var peer = new Thread(() =>
        {
            (byte[] data, (string Host, int Port) from) = server.RecvFrom(1500);
            got = Encoding.ASCII.GetString(data);
            server.SendTo("yo\n"u8, from);
        });
        peer.Start();

        CliProcess.Result r = CliProcess.RunWith("hi\n", null, "connect", "-u", "--timeout", "2s", "127.0.0.1", Arg(server.GetSockName().Port));

        Assert.True(peer.Join(CliProcess.Patience));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("hi\n", got);
        Assert.Equal("yo\n", r.StdOut);
        Assert.Contains("(udp)", r.StdErr);
    }

    [Theory]
    [InlineData("127.0.0.1", "x")]
    [InlineData("127.0.0.1", "0")]
    [InlineData("127.0.0.1", "70000")]
    [InlineData("", "80")]
    [InlineData("not a host!", "80")]
    public void Connect_BadArguments_ExitTwoWithAMessage(string host, string port)
    {
        CliProcess.Result r = CliProcess.Run("connect", host, port);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: ", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Theory]
    [InlineData("--timeout", "5x")]
    [InlineData("--timeout", "-1s")]
    [InlineData("-4", "-6")]
    [InlineData("--nosuch", "1")]
    public void Connect_BadOptions_ExitTwoWithAMessage(string option, string value)
    {
        CliProcess.Result r = CliProcess.Run("connect", option, value, "127.0.0.1", "80");

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: ", r.StdErr);
        Assert.Contains("usock connect --help", r.StdErr);
    }
}
