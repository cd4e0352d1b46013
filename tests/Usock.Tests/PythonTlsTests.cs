using System.Diagnostics;
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

    [Theory]
    [InlineData("tlsrecv", "45|47")] // a ussl recv blocked in recvfrom (libc path) or recvmsg (.NET's portable path)
    [InlineData("tlspoll", "232")] // uselect.poll on the ussl socket, in epoll_wait (poll with USOCK_EPOLL=0)
    public void Ctrl_C_raises_KeyboardInterrupt_in_a_blocked_ussl_call_as_in_a_plain_one(string mode, string syscall)
    {
        // -rev sends only what it is sent, so nothing; TLS 1.2 sends no session ticket after the handshake, which
        // would make the socket readable for a moment.
        PythonScripts.SkipUnlessPython();
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using OpenSslPeer server = OpenSslPeer.Server(
            "-rev", "-tls1_2", "-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem));
        using CliProcess.Running p = CliProcess.Start("run", PythonScripts.Script("interrupt.py"), mode, CliTest.Arg(server.Port));
        p.WaitForStdOut("blocked");
        PythonScriptTests.WaitUntilBlocked(p.Id, syscall);
        var clock = Stopwatch.StartNew();
        PythonScripts.Interrupt(p.Id);
        p.WaitForStdOut("KeyboardInterrupt");
        TimeSpan took = clock.Elapsed;
        CliProcess.Result r = p.WaitForExit();
        Assert.Equal(42, r.ExitCode);
        Assert.Equal("blocked\nfinally\nKeyboardInterrupt\n", r.StdOut);
        // Target 100 ms, as for the plain socket; the bound has slack for a loaded 2-core machine.
        Assert.True(took < TimeSpan.FromMilliseconds(1000), $"KeyboardInterrupt after {took.TotalMilliseconds:F0} ms");
        TestContext.Current.SendDiagnosticMessage($"{mode}: KeyboardInterrupt {took.TotalMilliseconds:F0} ms after SIGINT");
    }

    [Fact]
    public void Two_readers_and_two_writers_on_one_ussl_socket_take_turns_without_OSError_5()
    {
        using OpenSslPeer server = Server(Pki.Server);
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("tls_threads.py"), CliTest.Arg(server.Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("lines 200, ALL OK", r.StdOut, StringComparison.Ordinal); // each line the peer reversed came back once
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
