using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary><c>usock connect --tls</c> and <c>usock listen --tls</c> as real processes, against openssl s_server / s_client.</summary>
public sealed class CliTlsTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    [Fact]
    public void ConnectTls_VerifiedAgainstOpenSslServer_MovesPlaintextBothWays_AndReportsTheSession()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using OpenSslPeer server = OpenSslPeer.Server("-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem));
        using CliProcess.Running client = CliProcess.Start(
            "connect", "--tls", "--ca", Pki.File("ca.pem", Pki.Ca.CertPem), "--sni", "localhost", "--hex", "--no-color", "127.0.0.1", Arg(server.Port));
        client.WaitForStdErr(@"tls: TLSv1\.[23] TLS_\w+ peer CN=localhost \(verified\)");
        client.Write("hello over tls\n");
        Assert.Equal("hello over tls\n"u8.ToArray(), server.ReadOutput(15));
        server.Send("and back\n");
        client.WaitForStdOut("and back\n");
        client.WaitForStdErr(@"0000  61 6e 64 20 62 61 63 6b 0a"); // --hex shows the plaintext
        client.CloseStdIn(); // netcat's end: our input is done (close_notify, FIN) ...
        server.Kill(); // ... and so is the peer's
        CliProcess.Result r = client.WaitForExit();
        Assert.Contains("hello over tls", r.StdErr.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal); // the dump's text column
    }

    [Fact]
    public void ConnectTls_UntrustedServer_FailsWithTheVerifyCode()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using OpenSslPeer server = OpenSslPeer.Server("-cert", Pki.File("untrusted.pem", Pki.Untrusted.CertPem), "-key", Pki.File("untrusted.key", Pki.Untrusted.KeyPem));
        CliProcess.Result r = CliProcess.RunWith(null, null, "connect", "--tls", "--ca", Pki.File("ca.pem", Pki.Ca.CertPem), "--no-color", "localhost", Arg(server.Port));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("wrap_socket failed: [Errno -9984]", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenTls_OpenSslClientVerifiesUs_AndSendsUsAClientCertificate()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using CliProcess.Running server = CliProcess.Start(
            "listen", "--tls", "--cert", Pki.File("server.pem", Pki.Server.CertPem), "--key", Pki.File("server.key", Pki.Server.KeyPem),
            "--ca", Pki.File("ca.pem", Pki.Ca.CertPem), "--no-color", "0");
        int port = server.ListeningPort();
        using OpenSslPeer client = OpenSslPeer.Client(
            port, "-CAfile", Pki.File("ca.pem", Pki.Ca.CertPem), "-verify_return_error", "-servername", "localhost",
            "-cert", Pki.File("client.pem", Pki.Client.CertPem), "-key", Pki.File("client.key", Pki.Client.KeyPem));
        server.WaitForStdErr(@"tls: TLSv1\.[23] TLS_\w+ peer CN=usock-client \(verified\)");
        client.Send("from s_client\n");
        server.WaitForStdOut("from s_client\n");
        server.Write("from usock\n");
        Assert.Equal("from usock\n"u8.ToArray(), client.ReadOutput(11));
        server.CloseStdIn(); // close_notify and FIN: s_client ends
        Assert.Equal(0, client.WaitForExit());
    }

    [Fact]
    public void TlsOptions_WithoutTls_OrHalfAPair_AreUsageErrors()
    {
        Assert.Equal(2, CliProcess.Run("connect", "--ca", "x.pem", "127.0.0.1", "1").ExitCode);
        Assert.Equal(2, CliProcess.Run("connect", "--tls", "--cert", "x.pem", "127.0.0.1", "1").ExitCode);
        Assert.Equal(2, CliProcess.Run("listen", "--tls", "0").ExitCode);
    }
}
