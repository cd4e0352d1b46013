using System.Security.Cryptography;
using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary><c>usock send</c> and <c>usock recv</c>: a bulk transfer between two processes, checked by SHA-256.</summary>
public sealed class CliSendRecvTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("usock-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SendRecv_EightMebibytes_ArriveWhole_WithTheSameSha256OnBothSides()
    {
        string source = Path.Combine(_dir, "source.bin");
        string copy = Path.Combine(_dir, "copy.bin");
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(20261124).NextBytes(data);
        File.WriteAllBytes(source, data);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));

        using CliProcess.Running recv = CliProcess.Start("recv", copy, "0");
        int port = recv.ListeningPort();
        CliProcess.Result sent = CliProcess.Run("send", source, "127.0.0.1", Arg(port));
        CliProcess.Result received = recv.WaitForExit();

        Assert.Equal(0, sent.ExitCode);
        Assert.Equal(0, received.ExitCode);
        Assert.Equal($"{expected}  {source}\n", sent.StdOut);
        Assert.Equal($"{expected}  {copy}\n", received.StdOut);
        Assert.Equal(data, File.ReadAllBytes(copy));
        Assert.Contains("8388608 bytes sent, 0 bytes received in ", sent.StdErr);
        Assert.Contains("0 bytes sent, 8388608 bytes received in ", received.StdErr);
        Assert.DoesNotContain("\e[", sent.StdErr + received.StdErr); // no progress bar when stderr is not a terminal
    }

    [Fact]
    public void SendRecv_Json_SummariesCarryTheDigest()
    {
        string source = Path.Combine(_dir, "small.txt");
        File.WriteAllText(source, "a small file\n");
        string copy = Path.Combine(_dir, "small-copy.txt");

        using CliProcess.Running recv = CliProcess.Start("recv", "--json", copy, "0");
        int port = recv.ListeningPort();
        CliProcess.Result sent = CliProcess.Run("send", "--json", source, "127.0.0.1", Arg(port));
        CliProcess.Result received = recv.WaitForExit();

        string digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source)));
        System.Text.Json.JsonElement s = JsonLines(sent.StdErr).Single(e => e.GetProperty("event").GetString() == "summary");
        System.Text.Json.JsonElement r = JsonLines(received.StdErr).Single(e => e.GetProperty("event").GetString() == "summary");
        Assert.Equal(digest, s.GetProperty("sha256").GetString());
        Assert.Equal(digest, r.GetProperty("sha256").GetString());
        Assert.Equal(13, s.GetProperty("sent").GetInt64());
        Assert.Equal(13, r.GetProperty("received").GetInt64());
    }

    [Fact]
    public void Recv_ToStdout_PutsTheDataOnStdoutAndTheDigestOnStderr()
    {
        string source = Path.Combine(_dir, "text.txt");
        File.WriteAllText(source, "through stdout\n");

        using CliProcess.Running recv = CliProcess.Start("recv", "-", "0");
        int port = recv.ListeningPort();
        Assert.Equal(0, CliProcess.Run("send", source, "127.0.0.1", Arg(port)).ExitCode);
        CliProcess.Result r = recv.WaitForExit();

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("through stdout\n", r.StdOut);
        Assert.Contains($"sha256 {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source)))}  -", r.StdErr);
    }

    [Fact]
    public void Send_MissingFile_ExitsFourWithoutConnecting()
    {
        CliProcess.Result r = CliProcess.Run("send", Path.Combine(_dir, "nope.bin"), "127.0.0.1", "9");

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("usock: open failed: ", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void Recv_UnwritableFile_ExitsFour()
    {
        CliProcess.Result r = CliProcess.Run("recv", Path.Combine(_dir, "no-such-dir", "x.bin"), "0");

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("usock: open failed: ", r.StdErr);
    }

    [Fact]
    public void Send_Refused_ExitsOneWithTheDevicesErrno()
    {
        string source = Path.Combine(_dir, "refused.bin");
        File.WriteAllBytes(source, [1, 2, 3]);

        CliProcess.Result r = CliProcess.Run("send", source, "127.0.0.1", Arg(ClosedPort()));

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("connect failed: [Errno 104] ECONNRESET", r.StdErr);
        Assert.Equal("", r.StdOut);
    }
}
