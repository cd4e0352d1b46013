using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>The <c>usock example</c> command, run as a process: the documentation's log lines and exit codes.</summary>
public class CliExampleTests
{
    [Fact]
    public void Example_WithoutHost_RunsAgainstItsOwnServer_AndLogsLikeTheDevice()
    {
        CliProcess.Result r = CliProcess.Run("example");

        Assert.Equal(0, r.ExitCode);
        string[] lines = r.StdOut.Split('\n');
        Assert.Equal("INFO:SOCKET:Network connection successful!", lines[0]);
        Assert.Matches(@"^INFO:SOCKET:send \d+ bytes$", lines[1]);
        Assert.Equal("INFO:SOCKET:recv 256 bytes:", lines[2]);
        Assert.StartsWith("INFO:SOCKET:HTTP/1.1 200 OK", lines[3]);
        Assert.Contains("127.0.0.1", r.StdErr);
    }

    [Fact]
    public void Example_AgainstAUsockServer_SendsTheDocumentedRequest()
    {
        using USocket l = Loopback.Listener();
        string? request = null;
        var server = new Thread(() =>
        {
            l.SetTimeout(30);
            (USocket conn, _, _) = l.Accept();
            using (conn)
            {
                conn.SetTimeout(30);
                var text = new System.Text.StringBuilder();
                byte[]? line;
                while ((line = conn.ReadLine()) is { Length: > 2 })
                {
                    text.Append(System.Text.Encoding.ASCII.GetString(line));
                }

                request = text.ToString();
                conn.SendAll(new byte[300]);
            }
        });
        server.Start();

        CliProcess.Result r = CliProcess.Run("example", "--host", "127.0.0.1", "--port", l.GetSockName().Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(server.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("GET /News HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: deflate\r\nConnection: keep-alive\r\n", request);
        Assert.Contains($"INFO:SOCKET:send {request!.Length + 2} bytes\n", r.StdOut);
        Assert.Contains("INFO:SOCKET:recv 256 bytes:", r.StdOut);
    }

    [Fact]
    public void Example_RefusedConnection_PrintsErrnoAndExitsOne()
    {
        int port;
        using (var probe = new USocket())
        {
            probe.Bind(("127.0.0.1", 0));
            port = probe.GetSockName().Port;
        }

        CliProcess.Result r = CliProcess.Run("example", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[Errno 104] ECONNRESET", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Theory]
    [InlineData("--port", "x")]
    [InlineData("--port", "70000")]
    [InlineData("--timeout", "-1")]
    [InlineData("--host", "")]
    [InlineData("--nosuch", "1")]
    public void Example_BadArguments_ExitTwoWithoutStackTrace(string option, string value)
    {
        CliProcess.Result r = CliProcess.Run("example", option, value);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock:", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void Example_Help_ShowsAnExample()
    {
        CliProcess.Result r = CliProcess.Run("example", "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("usock example --host", r.StdOut);
    }
}
