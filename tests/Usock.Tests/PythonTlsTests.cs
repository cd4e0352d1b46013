using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>ussl</c> in <c>usock run</c>: tests/python/tls_client.py wraps a usocket connected to a real
/// <c>openssl s_server -rev</c> (it sends each line back reversed) and checks every member, verification on and off,
/// and the device's errors. The certificates are made in memory (<see cref="TestPki"/>) and handed to the script as
/// files it reads as bytes.
/// </summary>
public sealed class PythonTlsTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    private static readonly Lazy<string> ServerDer = new(() =>
    {
        string path = Path.Combine(Pki.Directory, "python-server.der");
        File.WriteAllBytes(path, Pki.Server.CertDer);
        return path;
    });

    [Fact]
    public void Every_member_of_the_wrapped_socket_without_verification()
    {
        using OpenSslPeer server = Server(Pki.Server);
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("tls_client.py"), "plain", CliTest.Arg(server.Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("checks 18", r.StdOut, StringComparison.Ordinal);
        AssertPeerSawTheEnd(server);
    }

    [Fact]
    public void With_the_ca_the_certificate_is_verified_and_getpeercert_is_the_servers()
    {
        using OpenSslPeer server = Server(Pki.Server);
        CliProcess.Result r = PythonScripts.Run(
            PythonScripts.Script("tls_client.py"), "verify", CliTest.Arg(server.Port), Pki.File("ca.pem", Pki.Ca.CertPem), ServerDer.Value);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
        AssertPeerSawTheEnd(server);
    }

    [Fact]
    public void A_certificate_from_another_ca_is_OSError_minus_9984()
    {
        using OpenSslPeer server = Server(Pki.Untrusted);
        CliProcess.Result r = PythonScripts.Run(
            PythonScripts.Script("tls_client.py"), "wrongca", CliTest.Arg(server.Port), Pki.File("ca.pem", Pki.Ca.CertPem));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
        server.WaitForExit(); // the client gave up: the connection ended without a completed session
    }

    [Fact]
    public void Bad_ca_data_is_ValueError_and_bad_arguments_TypeError()
    {
        PythonScripts.SkipUnlessPython();
        using var listener = new USocket();
        listener.Bind(("127.0.0.1", 0));
        listener.Listen(1);
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("tls_client.py"), "badca", CliTest.Arg(listener.GetSockName().Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("checks 5", r.StdOut, StringComparison.Ordinal);
    }

    private static OpenSslPeer Server(TestPki.Identity identity)
    {
        PythonScripts.SkipUnlessPython();
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        string name = identity == Pki.Server ? "server" : "untrusted";
        return OpenSslPeer.Server(
            "-rev", "-cert", Pki.File(name + ".pem", identity.CertPem), "-key", Pki.File(name + ".key", identity.KeyPem));
    }

    // What the peer saw: the script's close ended the session (s_server -naccept 1 then exits by itself).
    private static void AssertPeerSawTheEnd(OpenSslPeer server)
    {
        Assert.Equal(0, server.WaitForExit());
        using var reader = new StreamReader(server.Output);
        string output = reader.ReadToEnd();
        Assert.Contains("CONNECTION CLOSED", output + server.StdErr, StringComparison.Ordinal);
    }
}
