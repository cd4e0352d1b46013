using System.Diagnostics;
using System.Text.Json;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// QuecPython's <c>uwebsocket</c> client in <c>usock run</c> (tests/python/fw_websocket.py) against a real websocket
/// server: the <c>websockets</c> library (Debian's python3-websockets) in tests/python/peers/ws_peer.py, over ws://
/// and wss://, reached by name through <c>--resolve</c>. Each check reads what the server received.
/// </summary>
public sealed class FirmwareWebsocketTests
{
    private const string DebianPython = "/usr/bin/python3";

    private static readonly Lazy<bool> HasWebsockets = new(() =>
    {
        if (!File.Exists(DebianPython))
        {
            return false;
        }

        using Process p = Process.Start(new ProcessStartInfo(DebianPython, ["-c", "import websockets"]) { UseShellExecute = false, RedirectStandardError = true })!;
        return p.WaitForExit(30_000) && p.ExitCode == 0;
    });

    [Theory]
    [InlineData("ws")]
    [InlineData("wss")]
    public void Text_binary_long_messages_and_close_reach_a_real_websocket_server(string scheme)
    {
        PythonScripts.SkipUnlessPython();
        Assert.SkipUnless(HasWebsockets.Value, "python3-websockets is not installed for /usr/bin/python3 (.ci/run installs it)");
        TestPki pki = TestPki.Shared;
        string[] tls = scheme == "wss" ? [pki.File("server.pem", pki.Server.CertPem), pki.File("server.key", pki.Server.KeyPem)] : [];
        using LinePeer server = LinePeer.Listening(DebianPython, [PythonScripts.Script("peers/ws_peer.py"), .. tls]);
        string p = CliTest.Arg(server.Port);
        CliProcess.Result r = PythonScripts.Run("--resolve", $"ws.example.com:{p}=127.0.0.1:{p}", PythonScripts.Script("fw_websocket.py"), scheme, p);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("reply echo:hello", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("binary True", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("long 70005", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("after close ''", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("send after close 107", r.StdOut, StringComparison.Ordinal);

        server.WaitFor(l => l.Contains("\"event\": \"close\"", StringComparison.Ordinal), "the close");
        List<JsonElement> seen = server.JsonLines();
        Assert.Equal(["open", "text", "binary", "text", "close"], seen.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal("/device/feed", seen[0].GetProperty("path").GetString());
        JsonElement headers = seen[0].GetProperty("headers");
        Assert.Equal("usock", headers.GetProperty("x-device").GetString());
        Assert.Equal($"ws.example.com:{p}", headers.GetProperty("host").GetString());
        Assert.Equal("hello", seen[1].GetProperty("data").GetString());
        Assert.Equal(new byte[] { 0, 1, 2, (byte)'b', (byte)'i', (byte)'n' }, Convert.FromBase64String(seen[2].GetProperty("data").GetString()!));
        Assert.Equal(new string('x', 70000), seen[3].GetProperty("data").GetString());
        Assert.Equal(1000, seen[4].GetProperty("code").GetInt32());
        Assert.Equal("bye", seen[4].GetProperty("reason").GetString());
    }
}
