using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// ussl on SslStream: against real openssl s_server / s_client processes (TLS 1.2 and 1.3, both directions), and
/// between two Usock sockets for verification, timeouts, resets, close and non-blocking use.
/// </summary>
public sealed partial class TlsTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    public static TheoryData<string> Versions => new() { "1.2", "1.3" };

    private static USslOptions Only(string version) => new()
    {
        EnabledProtocols = version == "1.2" ? SslProtocols.Tls12 : SslProtocols.Tls13,
    };

    private static string OpenSslFlag(string version) => version == "1.2" ? "-tls1_2" : "-tls1_3";

    private static SslProtocols Protocol(string version) => version == "1.2" ? SslProtocols.Tls12 : SslProtocols.Tls13;

    private static USocket ConnectTo(int port)
    {
        var s = new USocket();
        s.SetTimeout(Loopback.Patience);
        s.Connect(("127.0.0.1", port));
        return s;
    }

    // ---- against openssl s_server: Usock is the client

    [Theory]
    [InlineData("1.2", true)]
    [InlineData("1.2", false)]
    [InlineData("1.3", true)]
    [InlineData("1.3", false)]
    public void Client_OpenSslServer_TalksBothWays_WithAndWithoutVerification(string version, bool verify)
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using OpenSslPeer server = OpenSslPeer.Server("-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem), OpenSslFlag(version));
        using USslSocket tls = USsl.WrapSocket(ConnectTo(server.Port), ca: verify ? Pki.Ca.CertPem : null, serverHostname: "localhost", options: Only(version));

        Assert.Equal(Protocol(version), tls.Protocol);
        Assert.Equal(Pki.Server.CertDer, tls.GetPeerCert());
        Assert.Equal(6, tls.Write("hello\n"u8));
        Assert.Equal("hello\n"u8.ToArray(), server.ReadOutput(6));
        server.Send("world\nrest");
        Assert.Equal("world\n"u8.ToArray(), tls.ReadLine());
        Assert.Equal("rest"u8.ToArray(), tls.Read(4));
        Assert.Equal((int)TcpState.Established, tls.GetSocketSta());
    }

    [Fact]
    public void Client_DerCaAndDerClientIdentity_AcceptedByAServerThatRequiresACertificate()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using OpenSslPeer server = OpenSslPeer.Server(
            "-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem),
            "-CAfile", Pki.File("ca.pem", Pki.Ca.CertPem), "-Verify", "1", "-verify_return_error");
        using USslSocket tls = USsl.WrapSocket(ConnectTo(server.Port), ca: Pki.Ca.CertDer, key: Pki.Client.KeyDer, cert: Pki.Client.CertDer, serverHostname: "localhost");
        tls.SendAll("with a client certificate\n"u8);
        Assert.Equal("with a client certificate\n"u8.ToArray(), server.ReadOutput(26));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Client_NoCertificateForAServerThatRequiresOne_RaisesFatalAlert(string version)
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using OpenSslPeer server = OpenSslPeer.Server(
            "-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem),
            "-CAfile", Pki.File("ca.pem", Pki.Ca.CertPem), "-Verify", "1", "-verify_return_error", OpenSslFlag(version));
        USocket sock = ConnectTo(server.Port);
        using var guard = new HangGuard(Loopback.Patience, sock);

        // TLS 1.2 fails in the handshake; TLS 1.3 finishes the client's side first and the alert arrives on the first read.
        var e = Assert.Throws<UsocketException>(() =>
        {
            using USslSocket tls = USsl.WrapSocket(sock, ca: Pki.Ca.CertPem, serverHostname: "localhost", options: Only(version));
            tls.Read(1);
        });
        Assert.Equal(TlsErrno.FatalAlertMessage, e.Errno);
        Assert.Contains("MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_HundredMegabytes_ArriveIntact_Sha256EqualOnBothSides()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        const int total = 100 * 1024 * 1024;
        using OpenSslPeer server = OpenSslPeer.Server("-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem));
        using USslSocket tls = USsl.WrapSocket(ConnectTo(server.Port), ca: Pki.Ca.CertPem, serverHostname: "localhost");

        Task<(long, string)> received = Task.Run(() =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = new byte[256 * 1024];
            long n = 0;
            int r;
            while (n < total && (r = server.Output.Read(buf)) > 0)
            {
                sha.AppendData(buf, 0, r);
                n += r;
            }

            return (n, Convert.ToHexString(sha.GetHashAndReset()));
        }, TestContext.Current.CancellationToken);

        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[1024 * 1024];
        var rng = new Random(11);
        for (int i = 0; i < total / chunk.Length; i++)
        {
            rng.NextBytes(chunk);
            sent.AppendData(chunk);
            tls.SendAll(chunk);
        }

        (long, string) got = await received.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal((total, Convert.ToHexString(sent.GetHashAndReset())), got);
    }

    // ---- against openssl s_client: Usock is the server

    [Theory]
    [MemberData(nameof(Versions))]
    public void Server_OpenSslClientVerifiesUs_TalksBothWays(string version)
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using USocket listener = Loopback.Listener();
        using OpenSslPeer client = OpenSslPeer.Client(
            listener.GetSockName().Port, "-CAfile", Pki.File("ca.pem", Pki.Ca.CertPem), "-verify_return_error", "-servername", "localhost", OpenSslFlag(version));
        listener.SetTimeout(Loopback.Patience);
        (USocket conn, _, _) = listener.Accept();
        conn.SetTimeout(Loopback.Patience);
        using USslSocket tls = USsl.WrapSocket(conn, key: Pki.Server.KeyPem, cert: Pki.Server.CertPem, serverSide: true);

        Assert.Equal(Protocol(version), tls.Protocol);
        Assert.Null(tls.GetPeerCert());
        client.Send("ping\n");
        Assert.Equal("ping\n"u8.ToArray(), tls.ReadLine());
        tls.Write("pong\n"u8);
        Assert.Equal("pong\n"u8.ToArray(), client.ReadOutput(5));
    }

    [Fact]
    public void Server_WithCa_RequiresAClientCertificate_AndReadsIt()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using USocket listener = Loopback.Listener();
        using OpenSslPeer client = OpenSslPeer.Client(
            listener.GetSockName().Port, "-CAfile", Pki.File("ca.pem", Pki.Ca.CertPem), "-verify_return_error",
            "-cert", Pki.File("client.pem", Pki.Client.CertPem), "-key", Pki.File("client.key", Pki.Client.KeyPem));
        listener.SetTimeout(Loopback.Patience);
        (USocket conn, _, _) = listener.Accept();
        conn.SetTimeout(Loopback.Patience);
        using USslSocket tls = USsl.WrapSocket(conn, ca: Pki.Ca.CertPem, key: Pki.Server.KeyPem, cert: Pki.Server.CertPem, serverSide: true);
        Assert.Equal(Pki.Client.CertDer, tls.GetPeerCert());
        Assert.Equal("CN=usock-client", tls.PeerSubject);
    }

    [Fact]
    public void Server_WithCa_ClientSendsNoCertificate_RaisesNoClientCertificate()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using USocket listener = Loopback.Listener();
        using OpenSslPeer client = OpenSslPeer.Client(listener.GetSockName().Port, "-CAfile", Pki.File("ca.pem", Pki.Ca.CertPem));
        listener.SetTimeout(Loopback.Patience);
        (USocket conn, _, _) = listener.Accept();
        conn.SetTimeout(Loopback.Patience);
        var e = Assert.Throws<UsocketException>(() => USsl.WrapSocket(conn, ca: Pki.Ca.CertPem, key: Pki.Server.KeyPem, cert: Pki.Server.CertPem, serverSide: true));
        Assert.Equal(TlsErrno.NoClientCertificate, e.Errno);
        conn.Close();
    }

    // ---- verification (Usock on both sides)

    public static TheoryData<string> BadCertificates => new() { "expired", "wrong-host", "untrusted" };

    private static TestPki.Identity Named(string name) => name switch
    {
        "expired" => Pki.Expired,
        "wrong-host" => Pki.WrongHost,
        "untrusted" => Pki.Untrusted,
        "not-yet-valid" => Pki.NotYetValid,
        _ => Pki.Server,
    };

    [Theory]
    [MemberData(nameof(BadCertificates))]
    public void Verify_WithCa_BadCertificate_RaisesCertVerifyFailed_AndThePeerSeesAnAlert(string which)
    {
        var e = Assert.Throws<UsocketException>(() => TlsPairs.Connect(server: Named(which), clientCa: Pki.Ca.CertPem));
        Assert.Equal(TlsErrno.X509CertVerifyFailed, e.Errno);
        Assert.Contains("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadCertificates))]
    [InlineData("not-yet-valid")]
    public void Verify_WithoutCa_AnyCertificateIsAccepted_TheDevicesLenientDefault(string which)
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect(server: Named(which), clientCa: null);
        using (c)
        using (s)
        {
            c.Write("ok"u8);
            Assert.Equal("ok"u8.ToArray(), s.Read(2));
        }
    }

    [Fact]
    public void Verify_WithCa_NotYetValid_AcceptedAsOnTheDevice_RejectedWhenStrict()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect(server: Pki.NotYetValid, clientCa: Pki.Ca.CertPem);
        c.Dispose();
        s.Dispose();

        var e = Assert.Throws<UsocketException>(() => TlsPairs.Connect(server: Pki.NotYetValid, clientCa: Pki.Ca.CertPem, clientOptions: new USslOptions { Strict = true }));
        Assert.Equal(TlsErrno.X509CertVerifyFailed, e.Errno);
    }

    [Fact]
    public void Verify_Strict_WithoutCa_UsesTheSystemRoots_WhichDoNotTrustTheTestCa()
    {
        var e = Assert.Throws<UsocketException>(() => TlsPairs.Connect(clientOptions: new USslOptions { Strict = true }));
        Assert.Equal(TlsErrno.X509CertVerifyFailed, e.Errno);
        Assert.Throws<ArgumentException>(() => USsl.WrapSocket(new USocket(), options: new USslOptions { Strict = true }));
    }

    [Fact]
    public void Verify_WithCa_NoHostnameGiven_ChecksTheChainOnly()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect(server: Pki.WrongHost, clientCa: Pki.Ca.CertPem, serverHostname: null);
        c.Dispose();
        s.Dispose();
    }

    // ---- bad data

    [Fact]
    public void BadData_RaisesArgumentException_WithTheDevicesWords()
    {
        using var sock = new USocket();
        Assert.StartsWith("invalid ca", Assert.Throws<ArgumentException>(() => USsl.WrapSocket(sock, ca: "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")).Message, StringComparison.Ordinal);
        Assert.StartsWith("invalid ca", Assert.Throws<ArgumentException>(() => USsl.WrapSocket(sock, ca: new byte[] { 1, 2, 3 })).Message, StringComparison.Ordinal);
        Assert.StartsWith("invalid cert", Assert.Throws<ArgumentException>(() => USsl.WrapSocket(sock, cert: new byte[] { 0x30, 3, 1, 2, 3 }, key: Pki.Client.KeyDer)).Message, StringComparison.Ordinal);
        Assert.StartsWith("invalid key", Assert.Throws<ArgumentException>(() => USsl.WrapSocket(sock, cert: Pki.Client.CertPem, key: "garbage")).Message, StringComparison.Ordinal);
        Assert.StartsWith("invalid key", Assert.Throws<ArgumentException>(() => USsl.WrapSocket(sock, cert: Pki.Client.CertPem, key: Pki.Server.KeyPem)).Message, StringComparison.Ordinal);
        Assert.StartsWith("invalid key", Assert.Throws<ArgumentException>(() => USsl.WrapSocket(sock, cert: Pki.Client.CertPem)).Message, StringComparison.Ordinal);
        Assert.StartsWith("invalid cert", Assert.Throws<ArgumentException>(() => USsl.WrapSocket(sock, serverSide: true)).Message, StringComparison.Ordinal);
        Assert.False(sock.IsClosed);
    }

    // ---- timeouts, resets, close

    [Fact]
    public void Handshake_PeerAcceptsButNeverAnswers_RaisesETIMEDOUT_WithinTheTimeout()
    {
        using USocket listener = Loopback.Listener();
        var sock = new USocket();
        sock.Connect(listener.GetSockName());
        sock.SetTimeout(0.5);
        using var guard = new HangGuard(Loopback.Patience, sock);
        var sw = Stopwatch.StartNew();
        Loopback.Raises(Errno.ETIMEDOUT, () => USsl.WrapSocket(sock, serverHostname: "localhost"));
        Assert.InRange(sw.ElapsedMilliseconds, 400, 3000);
        sock.Close();
    }

    [Fact]
    public async Task Handshake_PeerResets_RaisesECONNRESET()
    {
        using USocket listener = Loopback.Listener();
        var sock = new USocket();
        sock.SetTimeout(Loopback.Patience);
        sock.Connect(listener.GetSockName());
        (USocket conn, _, _) = listener.Accept();
        Task<UsocketException> handshake = Task.Run(() => Assert.Throws<UsocketException>(() => USsl.WrapSocket(sock)), TestContext.Current.CancellationToken);
        Wire.WaitAvailable(conn, 1); // the ClientHello is here: the client now waits for the ServerHello
        conn.RawSocket!.LingerState = new LingerOption(true, 0);
        conn.Close(); // RST
        UsocketException e = await handshake.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken);
        Assert.Equal(Errno.ECONNRESET, e.Errno);
        sock.Close();
    }

    [Fact]
    public void Read_Timeout_Raises110_ThenTheConnectionStillWorks()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (c)
        using (s)
        {
            c.SetTimeout(0.3);
            var sw = Stopwatch.StartNew();
            Loopback.Raises(Errno.ETIMEDOUT, () => c.Read(5));
            Assert.InRange(sw.ElapsedMilliseconds, 200, 3000);
            s.Write("hello"u8);
            Assert.Equal("hello"u8.ToArray(), c.Read(5));

            // A timeout in the middle of a record: half a record arrives, the rest later; nothing is lost.
            s.Write("abc\n"u8);
            Loopback.Raises(Errno.ETIMEDOUT, () => c.Read(10));
            s.Write("def\n"u8);
            Assert.Equal("abc\ndef\n"u8.ToArray(), c.Read(8));
        }
    }

    [Fact]
    public async Task Read_BlockedOnAnotherThread_EndsWithEBADF_WhenClosed()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (s)
        {
            c.SetBlocking(true);
            int tid = 0;
            Task<UsocketException> blocked = Task.Run(
                () =>
                {
                    tid = TlsPairs.CurrentThreadId();
                    return Assert.Throws<UsocketException>(() => c.Read(1));
                },
                TestContext.Current.CancellationToken);
            Assert.True(Loopback.Eventually(() => tid != 0 && TlsPairs.IsWaitingInTheKernel(tid)), "the read never blocked in the kernel");
            c.Close();
            UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken);
            Assert.Equal(Errno.EBADF, e.Errno);
            Assert.Equal(-1, c.GetSocketSta());
            Loopback.Raises(Errno.EBADF, () => c.Write("x"u8));
        }
    }

    [Fact]
    public void Close_SendsCloseNotify_ThePeerReadsEverythingThenEndOfStream()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (s)
        {
            byte[] data = Wire.Seq(300_000);
            c.SendAll(data);
            c.Close();
            Assert.Equal(data, s.Read());
            Assert.Empty(s.Recv(10));
        }
    }

    // ---- the other members and non-blocking use

    [Fact]
    public void Members_RecvSendReadIntoReadLine_BehaveAsOnThePlainSocket()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (c)
        using (s)
        {
            Assert.Equal(6, c.Send("line1\n"));
            c.SendAll(Encoding.UTF8.GetBytes("line2\nxyz"));
            Assert.Equal("line1\n"u8.ToArray(), s.ReadLine());
            Assert.Equal("line2\n"u8.ToArray(), s.ReadLine());
            var buf = new byte[8];
            Assert.Equal(3, s.ReadInto(buf, 3));
            Assert.Equal("xyz"u8.ToArray(), buf[..3]);

            c.Write("0123456789"u8);
            byte[] got = s.Recv(4);
            Assert.InRange(got.Length, 1, 4);
            s.SetTimeout(1);
            Assert.Equal(Encoding.ASCII.GetBytes("0123456789")[got.Length..], s.Read(10 - got.Length));
        }
    }

    [Fact]
    public void NonBlocking_HandshakeInTheBackground_ReadsReturnNullUntilDataIsDecrypted()
    {
        Pair p = Loopback.Connected();
        p.Server.SetTimeout(Loopback.Patience);
        p.Client.SetBlocking(false);
        using var guard = new HangGuard(Loopback.Patience, p.Client, p.Server);
        using USslSocket c = USsl.WrapSocket(p.Client, ca: Pki.Ca.CertPem, serverHostname: "localhost");
        Assert.Null(c.Read(1)); // the server has not even started its handshake
        Loopback.Raises(Errno.EAGAIN, () => c.Recv(1));
        using USslSocket s = USsl.WrapSocket(p.Server, key: Pki.Server.KeyPem, cert: Pki.Server.CertPem, serverSide: true);
        Assert.True(Loopback.Eventually(() => c.Write("hi"u8) is not null), "the background handshake never ended");
        Assert.True(c.IsHandshakeComplete);
        Assert.Equal("hi"u8.ToArray(), s.Read(2));
        Assert.Null(c.Read(1));
        s.Write("there\n"u8);
        Assert.Equal("there\n"u8.ToArray(), Wire.Eventually(c.ReadLine));
    }

    [Fact]
    public async Task NonBlocking_WriteMoreThanTheKernelTakes_QueuesWholeRecords_AndEverythingArrives()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (c)
        using (s)
        {
            // Small kernel buffers, so the kernel cannot take it all at once (loopback autotuning would hold megabytes).
            c.Socket.RawSocket!.SendBufferSize = 32 * 1024;
            s.Socket.RawSocket!.ReceiveBufferSize = 32 * 1024;
            c.SetBlocking(false);
            byte[] data = Wire.Seq(4 * 1024 * 1024);
            int sent = 0;
            bool sawNull = false;
            Task<byte[]?> reader = Task.Run(() =>
            {
                Assert.True(Loopback.Eventually(() => sawNull), "the writer never had to wait");
                return s.Read(data.Length);
            }, TestContext.Current.CancellationToken);
            var sw = Stopwatch.StartNew();
            while (sent < data.Length && sw.Elapsed.TotalSeconds < Loopback.Patience)
            {
                int? n = c.Write(data.AsSpan(sent));
                if (n is int k)
                {
                    Assert.InRange(k, 1, 16 * 1024);
                    sent += k;
                }
                else
                {
                    sawNull = true;
                    Thread.Sleep(1);
                }
            }

            Assert.Equal(data.Length, sent);
            Assert.True(Loopback.Eventually(() => c.Write(ReadOnlySpan<byte>.Empty) is not null));
            Assert.Equal(data, await reader.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task DoHandshakeFalse_HandshakeHappensOnTheFirstWrite()
    {
        Pair p = Loopback.Connected();
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.SetTimeout(Loopback.Patience);
        using USslSocket c = USsl.WrapSocket(p.Client, serverHostname: "localhost", doHandshake: false);
        Assert.False(c.IsHandshakeComplete);
        Assert.Equal(0, p.Server.RawSocket!.Available); // nothing sent yet
        Task<USslSocket> server = Task.Run(() => USsl.WrapSocket(p.Server, key: Pki.Server.KeyPem, cert: Pki.Server.CertPem, serverSide: true), TestContext.Current.CancellationToken);
        c.Write("first"u8);
        Assert.True(c.IsHandshakeComplete);
        using USslSocket s = await server.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken);
        Assert.Equal("first"u8.ToArray(), s.Read(5));
    }
}
