using System.Text;
using System.Text.RegularExpressions;
using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary><c>usock listen</c> run as a process, with the test's own Usock sockets as clients.</summary>
public class CliListenTests
{
    private static USocket Client(int port, int af = USocket.AF_INET)
    {
        var c = new USocket(af, USocket.SOCK_STREAM);
        c.SetTimeout(30);
        c.Connect((Loopback.Host(af), port));
        return c;
    }

    private static string Echo(USocket c, string text)
    {
        c.SendAll(text);
        byte[] got = c.Read(Encoding.UTF8.GetByteCount(text))!;
        return Encoding.UTF8.GetString(got);
    }

    [Fact]
    public void Listen_PortZero_PrintsTheBoundPortAndTheAcceptedTuple()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0", "--echo");
        int port = server.ListeningPort();
        Assert.InRange(port, 1, 65535);

        using (USocket c = Client(port))
        {
            int clientPort = c.GetSockName().Port;
            server.WaitForStdErr($@"^usock: accepted \('127\.0\.0\.1', {clientPort}\)$");
        }

        Assert.Equal(0, server.WaitForExit().ExitCode);
    }

    [Fact]
    public void Listen_Echo_EchoesOneClientThenExits()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0", "--echo");
        int port = server.ListeningPort();

        using (USocket c = Client(port))
        {
            Assert.Equal("ping\n", Echo(c, "ping\n"));
            Assert.Equal("a second line\n", Echo(c, "a second line\n"));
        }

        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.StdOut); // echo keeps the data off stdout
        Assert.Contains("closed by the peer: 19 bytes sent, 19 bytes received", r.StdErr);
    }

    [Fact]
    public void Listen_KeepEcho_ServesClientsConcurrently()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0", "--echo", "--keep", "--count", "3");
        int port = server.ListeningPort();

        using USocket a = Client(port);
        Assert.Equal("first\n", Echo(a, "first\n"));
        using (USocket b = Client(port))
        {
            // b is served while a is still connected: a thread per client.
            Assert.Equal("second\n", Echo(b, "second\n"));
        }

        Assert.Equal("first again\n", Echo(a, "first again\n"));
        a.Close();
        using (USocket c = Client(port))
        {
            Assert.Equal("third\n", Echo(c, "third\n"));
        }

        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(3, r.StdErr.Split("accepted ('127.0.0.1', ").Length - 1);
        Assert.Contains("31 bytes sent, 31 bytes received in ", r.StdErr);
    }

    [Fact]
    public void Listen_Keep_WritesEveryClientsDataToStdout()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0", "--keep", "--count", "2");
        int port = server.ListeningPort();

        using (USocket a = Client(port))
        {
            a.SendAll("from a\n");
        }

        server.WaitForStdOut("from a\n");
        using (USocket b = Client(port))
        {
            b.SendAll("from b\n");
        }

        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("from a\nfrom b\n", r.StdOut);
    }

    [Fact]
    public void Listen_StdinGoesToTheClient()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0");
        int port = server.ListeningPort();
        using USocket c = Client(port);
        server.WaitForStdErr("accepted");

        server.Write("to the client\n");
        server.CloseStdIn(); // the server half-closes: the client reads to the end

        Assert.Equal("to the client\n", Encoding.ASCII.GetString(c.Read()!));
        c.Close();
        Assert.Equal(0, server.WaitForExit().ExitCode);
    }

    [Fact]
    public void Listen_IPv6_BindsTheIPv6Loopback()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0", "-6", "--echo");
        Match listening = server.WaitForStdErr(@"listening on \('::1', (\d+)\)");
        int port = int.Parse(listening.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        using (USocket c = Client(port, USocket.AF_INET6))
        {
            Assert.Equal("six\n", Echo(c, "six\n"));
        }

        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("accepted ('::1', ", r.StdErr);
    }

    [Fact]
    public void Listen_PortInUse_ExitsOneWithEADDRINUSE()
    {
        using USocket taken = Loopback.Listener();

        CliProcess.Result r = CliProcess.Run("listen", Arg(taken.GetSockName().Port));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bind failed: [Errno 98] EADDRINUSE", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("-1")]
    [InlineData("port")]
    public void Listen_BadPort_ExitsTwo(string port)
    {
        CliProcess.Result r = CliProcess.Run("listen", port);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: ", r.StdErr);
    }

    [Fact]
    public void Listen_BadBindAddress_ExitsTwo()
    {
        CliProcess.Result r = CliProcess.Run("listen", "0", "--bind", "not an address!");

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: ", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }
}
