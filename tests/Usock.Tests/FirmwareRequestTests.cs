using System.Text;
using System.Text.Json;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The firmware's <c>request</c> library in <c>usock run</c> (tests/python/fw_request.py) against a real HTTP server:
/// CPython's http.server (tests/python/peers/http_peer.py), plain and behind TLS, reached by name through
/// <c>--resolve</c>, and <c>openssl s_server -WWW</c>. Each check reads what the server received: method, path,
/// headers and body (s_server logs the file it was asked for).
/// </summary>
public sealed class FirmwareRequestTests
{
    [Fact]
    public void Every_method_and_body_kind_reaches_the_server_and_the_answers_parse()
    {
        PythonScripts.SkipUnlessPython();
        using LinePeer server = LinePeer.Listening("python3", PythonScripts.Script("peers/http_peer.py"));
        string upload = Path.Combine(Path.GetTempPath(), $"usock-upload-{Guid.NewGuid():N}.txt");
        File.WriteAllText(upload, "line one\nline two\n");
        try
        {
            string p = CliTest.Arg(server.Port);
            CliProcess.Result r = PythonScripts.Run("--resolve", $"api.example.com:{p}=127.0.0.1:{p}", PythonScripts.Script("fw_request.py"), "http", p, upload);
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Contains("checks 15", r.StdOut, StringComparison.Ordinal);
            Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(upload);
        }

        List<JsonElement> seen = server.JsonLines();
        Assert.Equal(
            ["GET /json", "GET /chunked", "POST /echo-json", "POST /echo-data", "PUT /put", "PATCH /patch", "DELETE /thing/7",
             "HEAD /head", "POST /upload", "GET /status/404", "GET /redirect"],
            seen.Select(e => $"{e.GetProperty("method").GetString()} {e.GetProperty("path").GetString()}"));
        Assert.All(seen, e => Assert.Equal("HTTP/1.0", e.GetProperty("version").GetString())); // the firmware's request line
        Assert.Equal("api.example.com", Header(seen[0], "Host"));

        JsonElement json = seen[2];
        Assert.Equal("application/json", Header(json, "Content-Type"));
        Assert.Equal("{\"device\": \"usock\", \"n\": [1, 2]}", Encoding.UTF8.GetString(Body(json)));
        Assert.Equal(new byte[] { 0, 0xFF, (byte)'r', (byte)'a', (byte)'w' }, Body(seen[3]));
        Assert.Equal("127.0.0.1", Header(seen[3], "Host"));
        Assert.Equal("EC600N", Header(seen[4], "X-Device"));
        Assert.Equal("put body", Encoding.UTF8.GetString(Body(seen[4])));
        Assert.Equal("patch body", Encoding.UTF8.GetString(Body(seen[5])));

        JsonElement files = seen[8];
        string type = Header(files, "Content-Type");
        Assert.StartsWith("multipart/form-data; boundary=", type, StringComparison.Ordinal);
        string boundary = type["multipart/form-data; boundary=".Length..];
        string body = Encoding.UTF8.GetString(Body(files));
        Assert.Equal(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.txt\"\r\n"
            + $"Content-Type: application/octet-stream\r\n\r\nline one\nline two\n\r\n--{boundary}--\r\n",
            body);
        Assert.Equal(Body(files).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(files, "Content-Length"));
    }

    [Fact]
    public void Https_goes_through_ussl_verified_with_ssl_params_and_unverified()
    {
        PythonScripts.SkipUnlessPython();
        TestPki pki = TestPki.Shared;
        using LinePeer server = LinePeer.Listening(
            "python3", PythonScripts.Script("peers/http_peer.py"), pki.File("server.pem", pki.Server.CertPem), pki.File("server.key", pki.Server.KeyPem));
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("fw_request.py"), "https", CliTest.Arg(server.Port), pki.File("ca.pem", pki.Ca.CertPem));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("checks 2", r.StdOut, StringComparison.Ordinal);
        List<JsonElement> seen = server.JsonLines();
        Assert.Equal(["GET /json", "POST /tls-post"], seen.Select(e => $"{e.GetProperty("method").GetString()} {e.GetProperty("path").GetString()}"));
        Assert.Equal("over tls", Encoding.UTF8.GetString(Body(seen[1])));
        Assert.Equal("localhost", Header(seen[0], "Host"));
    }

    [Fact]
    public void Https_against_openssl_s_server_www_the_server_serves_the_file_asked_for()
    {
        PythonScripts.SkipUnlessPython();
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        TestPki pki = TestPki.Shared;
        string dir = Directory.CreateTempSubdirectory("usock-www-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "device.json"), "{\"from\": \"openssl\", \"n\": 7}");
            using OpenSslPeer server = OpenSslPeer.ServerIn(
                dir, "-WWW", "-cert", pki.File("server.pem", pki.Server.CertPem), "-key", pki.File("server.key", pki.Server.KeyPem));
            string code = "import request, sys\n"
                + $"r = request.get('https://localhost:{server.Port}/device.json', ssl_params={{'ca': open(sys.argv[1], 'rb').read()}})\n"
                + "print(r.status_code, r.json())";
            CliProcess.Result r = PythonScripts.Run("-c", code, pki.File("ca.pem", pki.Ca.CertPem));
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Contains("200 {'from': 'openssl', 'n': 7}", r.StdOut, StringComparison.Ordinal);
            Assert.Equal(0, server.WaitForExit());
            using var reader = new StreamReader(server.Output);
            string log = reader.ReadToEnd() + server.StdErr; // s_server logs on both
            Assert.Contains("FILE:device.json", log, StringComparison.Ordinal); // what the server was asked for
            Assert.Contains("1 server accepts that finished", log, StringComparison.Ordinal); // a completed TLS handshake
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Header(JsonElement request, string name) =>
        request.GetProperty("headers").EnumerateObject().First(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value.GetString()!;

    private static byte[] Body(JsonElement request) => Convert.FromBase64String(request.GetProperty("body").GetString()!);
}
