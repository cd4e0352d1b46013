using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Ctrl-C (SIGINT) on <c>usock listen</c>: its clients see a clean end of stream (FIN, read as 0 bytes), not a reset
/// (104), and the summary is printed, also when no client ever came.
/// </summary>
public class CliInterruptTests
{
    private static USocket Client(int port)
    {
        var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetTimeout(30);
        c.Connect(("127.0.0.1", port));
        return c;
    }

    /// <summary>Reads to the end of stream; a reset fails the test (it throws 104).</summary>
    private static string ReadToEnd(USocket c)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = c.RecvInto(buffer)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    [Fact]
    public void CtrlC_OnListenWithAClient_ClientReadsEndOfStreamNotReset()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0");
        int port = server.ListeningPort();
        using USocket c = Client(port);
        server.WaitForStdErr("accepted");
        c.SendAll("before the interrupt\n");
        server.WaitForStdOut("before the interrupt\n"); // the session runs: its reader took the data
        server.Write("to the client\n");
        Assert.Equal("to the client\n", Encoding.ASCII.GetString(c.Read(14)!)); // and its writer sent stdin

        server.Interrupt();

        Assert.Equal("", ReadToEnd(c)); // 0 bytes: FIN, where a reset would throw 104
        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(130, r.ExitCode);
        Assert.Contains("closed (interrupted)", r.StdErr);
        Assert.Matches(@"14 bytes sent, 21 bytes received in \d+\.\d{3} s", r.StdErr);
    }

    [Fact]
    public void CtrlC_OnKeepListener_EveryClientReadsEndOfStream()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0", "--keep", "--echo");
        int port = server.ListeningPort();
        using USocket a = Client(port);
        using USocket b = Client(port);
        foreach (USocket c in new[] { a, b })
        {
            c.SendAll("ping\n");
            Assert.Equal("ping\n", Encoding.ASCII.GetString(c.Read(5)!)); // served: its session is running
        }

        server.Interrupt();

        Assert.Equal("", ReadToEnd(a));
        Assert.Equal("", ReadToEnd(b));
        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(130, r.ExitCode);
        Assert.Contains("10 bytes sent, 10 bytes received in ", r.StdErr);
    }

    [Fact]
    public void CtrlC_OnListenBeforeAnyClient_PrintsTheSummary()
    {
        using CliProcess.Running server = CliProcess.Start("listen", "0");
        server.ListeningPort(); // the handler is in place before this line is printed

        server.Interrupt();

        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(130, r.ExitCode);
        Assert.Matches(@"usock: 0 bytes sent, 0 bytes received in \d+\.\d{3} s", r.StdErr);
    }

    [Fact]
    public void CtrlC_OnUdpListen_PrintsTheSummary()
    {
        using CliProcess.Running server = CliProcess.Start("udp", "listen", "0");
        server.ListeningPort();

        server.Interrupt();

        CliProcess.Result r = server.WaitForExit();
        Assert.Equal(130, r.ExitCode);
        Assert.Contains("0 bytes sent, 0 bytes received in ", r.StdErr);
    }
}
