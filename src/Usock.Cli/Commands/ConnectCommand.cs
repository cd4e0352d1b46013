using System.CommandLine;
using System.Diagnostics;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock connect HOST PORT</c>: a netcat client. stdin goes to the socket, the socket to stdout; it ends when
/// the peer closes, or when stdin ends (then it half-closes and reads until the peer closes, or until the peer has
/// been silent for <c>--timeout</c>), and prints <c>N bytes sent, M bytes received in T s</c> on stderr.
/// </summary>
internal static class ConnectCommand
{
    /// <summary>The default of <c>--timeout</c>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Argument<string> host = Args.Host("Server name or IP address");
        Argument<int> port = Args.Port("Server port (1..65535)");
        var udp = new Option<bool>("--udp", "-u") { Description = "UDP instead of TCP: each chunk of stdin is one datagram" };
        DurationOption timeout = Duration.Option("--timeout", "Limit for connecting, and for the peer's silence once stdin has ended (0: no limit; -w as in netcat)", DefaultTimeout, "-w");
        var crlf = new Option<bool>("--crlf") { Description = "Send line ends as \\r\\n (for HTTP, SMTP, AT-style peers)" };
        var command = new Command("connect", "Connect to HOST PORT: stdin to the peer, the peer to stdout (a netcat client). Ends when both directions are done: stdin sent and half-closed, and the peer's end of stream received.")
        {
            host, port, udp, timeout.Option, crlf,
        };
        command.WithExamples("""
            usock connect 127.0.0.1 8080
            printf 'GET / HTTP/1.0\n\n' | usock connect --crlf example.com 80
            echo ping | usock connect -u --timeout 2s 127.0.0.1 9000
            """);
        CommonOptions common = CommonOptions.AddTo(command);
        TlsCliOptions tls = TlsCliOptions.AddTo(command, server: false);
        command.SetAction(r => Run(
            common.Begin(r), r.GetValue(host)!, r.GetValue(port), common.Family(r), r.GetValue(udp), timeout.Get(r), r.GetValue(crlf),
            tls.Enabled(r) ? (s, rep) => (tls.Wrap(r, s, r.GetValue(host), rep, out int code), code) : null));
        return command;
    }

    private static int Run(Reporter report, string host, int port, int? family, bool udp, TimeSpan timeout, bool crlf, Func<USocket, Reporter, (USslSocket? Tls, int Code)>? wrap = null)
    {
        if (udp && wrap is not null)
        {
            report.Failed("connect", "--tls works over TCP only (no DTLS)");
            return ExitCodes.Usage;
        }

        var clock = Stopwatch.StartNew();
        string op = "getaddrinfo";
        USocket? sock = null;
        try
        {
            (int af, (string Host, int Port) address) = Endpoints.ForConnect(host, port, family);
            op = "socket";
            sock = new USocket(af, udp ? USocket.SOCK_DGRAM : USocket.SOCK_STREAM);
            sock.SetTimeout(Duration.ToSocketTimeout(timeout));
            op = "connect";
            using (Interrupt.OnInterrupt(sock.Close))
            {
                sock.Connect(address); // Ctrl-C while connecting closes the socket; the session has its own handler
            }

            (string Host, int Port) peer = sock.GetPeerName();
            report.Connected(peer, sock.GetSockName(), udp ? "udp" : "tcp");
            USslSocket? tls = null;
            if (wrap is not null)
            {
                op = "wrap_socket";
                (tls, int code) = wrap(sock, report); // --tls: the handshake is bounded by --timeout
                if (tls is null)
                {
                    return code;
                }
            }

            sock.SetTimeout(null); // the session's two threads block; the drain timeout is the session's
            tls?.SetTimeout(null);
            var session = new Session(tls ?? (ISocketSurface)sock, peer, report);
            SessionEnd end = session.Run(
                Console.OpenStandardInput(), Console.OpenStandardOutput(), new Lock(), crlf, timeout, interactive: !Console.IsInputRedirected);
            if (end.By == "timeout" && !udp)
            {
                report.Note($"the peer sent nothing for {Duration.Format(timeout)} after stdin ended; closing", Paint.Dim);
            }

            session.ReportEnd(end);
            report.Summary(session.Sent, session.Received, clock.Elapsed);
            return end.ExitCode;
        }
        catch (UsocketException e)
        {
            return report.SocketFailure(op, e);
        }
        finally
        {
            sock?.Close();
        }
    }
}
