using System.Text;
using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary><c>usock udp send</c> and <c>usock udp echo</c> run as processes.</summary>
public class CliUdpTests
{
    [Fact]
    public void UdpSendAndEcho_TwoProcesses_TheReplyComesBack()
    {
        using CliProcess.Running echo = CliProcess.Start("udp", "echo", "0", "--count", "1");
        int port = echo.ListeningPort();
        Assert.Contains("(udp)", echo.StdErr);

        CliProcess.Result send = CliProcess.Run("udp", "send", "--reply", "127.0.0.1", Arg(port), "hello over udp");

        Assert.Equal(0, send.ExitCode);
        Assert.Equal("hello over udp", send.StdOut);
        Assert.Contains("14 bytes sent, 14 bytes received in ", send.StdErr);
        CliProcess.Result e = echo.WaitForExit();
        Assert.Equal(0, e.ExitCode);
        Assert.Contains("echoed 14 bytes to ('127.0.0.1', ", e.StdErr);
    }

    [Fact]
    public void UdpSend_StdinLines_OneDatagramEach()
    {
        using var server = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        server.Bind(("127.0.0.1", 0));
        server.SetTimeout(30);
        var got = new List<string>();
        var peer = new Thread(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                (byte[] data, (string Host, int Port) from) = server.RecvFrom(1500);
                got.Add(Encoding.ASCII.GetString(data));
                server.SendTo(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(data).ToUpperInvariant()), from);
            }
        });
        peer.Start();

        CliProcess.Result r = CliProcess.RunWith("one\ntwo\nthree", null, "udp", "send", "-r", "127.0.0.1", Arg(server.GetSockName().Port));

        Assert.True(peer.Join(CliProcess.Patience));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(["one\n", "two\n", "three"], got);
        Assert.Equal("ONE\nTWO\nTHREE", r.StdOut);
    }

    [Fact]
    public void UdpSend_NoReply_TimesOutWithETIMEDOUT()
    {
        using var silent = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        silent.Bind(("127.0.0.1", 0));

        CliProcess.Result r = CliProcess.Run("udp", "send", "--reply", "--timeout", "200ms", "127.0.0.1", Arg(silent.GetSockName().Port), "anyone?");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("recvfrom failed: [Errno 110] ETIMEDOUT", r.StdErr);
        Assert.Equal("anyone?", Encoding.ASCII.GetString(silent.Recv(100)));
    }

    [Fact]
    public void UdpEcho_IPv6()
    {
        using CliProcess.Running echo = CliProcess.Start("udp", "echo", "0", "-6", "--count", "1");
        int port = echo.ListeningPort();
        using var client = new USocket(USocket.AF_INET6, USocket.SOCK_DGRAM);
        client.SetTimeout(30);

        client.SendTo("v6"u8, ("::1", port));
        (byte[] data, (string Host, int Port) from) = client.RecvFrom(100);

        Assert.Equal("v6", Encoding.ASCII.GetString(data));
        Assert.Equal(("::1", port), from);
        Assert.Equal(0, echo.WaitForExit().ExitCode);
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("udp", "send", "127.0.0.1")]
    [InlineData("udp", "send", "127.0.0.1", "0", "x")]
    [InlineData("udp", "echo", "65536")]
    [InlineData("udp", "echo", "0", "--count", "-2")]
    public void Udp_BadArguments_ExitTwo(params string[] args)
    {
        CliProcess.Result r = CliProcess.Run(args);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("usock: ", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }
}
