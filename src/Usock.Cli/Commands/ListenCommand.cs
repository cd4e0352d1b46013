using System.CommandLine;
using System.Diagnostics;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock listen PORT</c>: a TCP server on a socket made with <see cref="USocket.IPPROTO_TCP_SER"/>, bound to
/// 127.0.0.1 unless <c>--bind</c> says otherwise. It prints the address it listens on (the real port when 0 was
/// asked) and each accepted client as the module's <c>accept()</c> tuple. One client: stdin to the client, the
/// client to stdout (or <c>--echo</c>); <c>--keep</c> serves clients concurrently, a thread each, until Ctrl-C or
/// <c>--count</c> clients.
/// </summary>
internal static class ListenCommand
{
    /// <summary>How long a client may take over the TLS handshake (<c>--tls</c>).</summary>
    public static readonly TimeSpan TlsHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Argument<int> port = Args.Port("Port to listen on (0: the system picks one and usock prints it)", allowZero: true);
        Option<string?> bind = Args.Bind();
        // --echo has no -e: netcat's -e runs a program, and an ncat user typing it must not get an echo server.
        var echo = new Option<bool>("--echo") { Description = "Send back whatever a client sends (stdin is not read)" };
        var keep = new Option<bool>("--keep", "-k") { Description = "Keep serving: many clients, concurrently, until Ctrl-C (or --count); stdin goes to every client" };
        Option<int> count = Args.Number("--count", "With --keep: exit once this many clients have come and gone (0: no limit)", 0, int.MaxValue, 0);
        Option<int> backlog = Args.Number("--backlog", "Connections the system may queue (listen's backlog)", 0, int.MaxValue, 5);
        DurationOption timeout = Duration.Option("--timeout", "Once stdin has ended, how long the client may stay silent before usock closes (0: no limit)", TimeSpan.Zero, "-w");
        var crlf = new Option<bool>("--crlf") { Description = "Send line ends from stdin as \\r\\n" };
        var command = new Command("listen", "Listen for TCP clients on PORT (IPPROTO_TCP_SER, 127.0.0.1 unless --bind): the client to stdout, stdin to the client; prints 'listening on (address, port)' and each 'accepted (address, port)' on stderr.")
        {
            port, bind, echo, keep, count, backlog, timeout.Option, crlf,
        };
        command.WithExamples("""
            usock listen 8080
            usock listen 0 --echo --keep
            usock listen 9000 --bind 0.0.0.0 > received.bin
            """);
        command.Validators.Add(r =>
        {
            if (r.GetResult(count) is { Implicit: false } && !r.GetValue(keep))
            {
                r.AddError("--count needs --keep: without it usock serves one client and exits.");
            }
        });
        CommonOptions common = CommonOptions.AddTo(command);
        TlsCliOptions tls = TlsCliOptions.AddTo(command, server: true);
        command.Validators.Add(r =>
        {
            if (r.GetValue(tls.Option) && r.GetValue(keep))
            {
                r.AddError("--tls serves one client: it does not go with --keep.");
            }
        });
        command.SetAction(r => Run(
            common.Begin(r), r.GetValue(port), r.GetValue(bind), common.Family(r), r.GetValue(echo), r.GetValue(keep),
            r.GetValue(count), r.GetValue(backlog), timeout.Get(r), r.GetValue(crlf),
            tls.Enabled(r) ? (s, rep) => (tls.Wrap(r, s, null, rep, out int code), code) : null));
        return command;
    }

    private static int Run(Reporter report, int port, string? bind, int? family, bool echo, bool keep, int count, int backlog, TimeSpan timeout, bool crlf, Func<USocket, Reporter, (USslSocket? Tls, int Code)>? wrap = null)
    {
        var clock = Stopwatch.StartNew();
        string op = "getaddrinfo";
        USocket? listener = null;
        try
        {
            (int af, string host) = Endpoints.ForBind(bind, family);
            op = "socket";
            listener = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
            using IDisposable ctrlC = Interrupt.OnInterrupt(listener.Close);
            op = "setsockopt";
            listener.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1); // restart over TIME_WAIT, as servers do
            op = "bind";
            listener.Bind((host, port));
            op = "listen";
            listener.Listen(backlog);
            report.Listening(listener.GetSockName(), "tcp");
            op = "accept";
            return keep
                ? ServeMany(report, listener, echo, count, crlf, clock)
                : ServeOne(report, listener, echo, timeout, crlf, clock, wrap);
        }
        catch (UsocketException e)
        {
            return report.SocketFailure(op, e);
        }
        finally
        {
            listener?.Close();
        }
    }

    private static int ServeOne(Reporter report, USocket listener, bool echo, TimeSpan timeout, bool crlf, Stopwatch clock, Func<USocket, Reporter, (USslSocket? Tls, int Code)>? wrap)
    {
        if (AcceptOrInterrupted(listener) is not (USocket conn, (string, int) peer))
        {
            report.Summary(0, 0, clock.Elapsed); // Ctrl-C before any client came: the summary all the same
            return ExitCodes.Interrupted;
        }

        listener.Close(); // one client: later ones are refused, as netcat does
        report.Accepted(peer);
        USslSocket? tls = null;
        if (wrap is not null)
        {
            conn.SetTimeout(TlsHandshakeTimeout.TotalSeconds); // a client that never speaks TLS does not hold us forever
            (tls, int code) = wrap(conn, report);
            if (tls is null)
            {
                conn.Close();
                return code;
            }

            tls.SetTimeout(null);
        }

        var session = new Session(tls ?? (ISocketSurface)conn, peer, report, echo);
        SessionEnd end = echo
            ? session.Run(null, null, new Lock(), crlf: false, TimeSpan.Zero)
            : session.Run(Console.OpenStandardInput(), Console.OpenStandardOutput(), new Lock(), crlf, timeout, interactive: !Console.IsInputRedirected);
        session.ReportEnd(end);
        report.Summary(session.Sent, session.Received, clock.Elapsed);
        return end.ExitCode;
    }

    // The next client, or null when Ctrl-C ended the wait (it closes the listener).
    private static (USocket Conn, (string Host, int Port) Peer)? AcceptOrInterrupted(USocket listener)
    {
        try
        {
            (USocket conn, string ip, int port) = listener.Accept();
            return (conn, (ip, port));
        }
        catch (UsocketException) when (Interrupt.Requested)
        {
            return null;
        }
    }

    private static int ServeMany(Reporter report, USocket listener, bool echo, int count, bool crlf, Stopwatch clock)
    {
        var server = new Server(report, echo);
        if (!echo)
        {
            server.StartBroadcast(Console.OpenStandardInput(), crlf);
        }

        int accepted = 0;
        while (count == 0 || accepted < count)
        {
            if (AcceptOrInterrupted(listener) is not (USocket conn, (string, int) peer))
            {
                break;
            }

            accepted++;
            report.Accepted(peer);
            server.Start(conn, peer);
        }

        listener.Close(); // Ctrl-C: each session shuts down its side too (FIN), so clients see a clean end
        server.WaitAll();
        report.Summary(server.Sent, server.Received, clock.Elapsed);
        return Interrupt.Requested ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    /// <summary>The clients of <c>--keep</c>: a thread and a <see cref="Session"/> each, stdin sent to all.</summary>
    private sealed class Server(Reporter report, bool echo)
    {
        private readonly Lock _gate = new();
        private readonly Lock _stdout = new();
        private readonly List<Session> _sessions = [];
        private readonly List<Thread> _threads = [];
        private readonly Stream _output = Console.OpenStandardOutput();
        private long _sent;
        private long _received;

        public long Sent => Interlocked.Read(ref _sent);

        public long Received => Interlocked.Read(ref _received);

        public void Start(USocket conn, (string Host, int Port) peer)
        {
            var session = new Session(conn, peer, report, echo);
            var thread = new Thread(() => Serve(session)) { IsBackground = true, Name = "usock client " + peer.Port };
            lock (_gate)
            {
                _sessions.Add(session);
                _threads.Add(thread);
            }

            thread.Start();
        }

        public void WaitAll()
        {
            Thread[] threads;
            lock (_gate)
            {
                threads = [.. _threads];
            }

            foreach (Thread t in threads)
            {
                t.Join();
            }
        }

        public void StartBroadcast(Stream input, bool crlf)
        {
            var thread = new Thread(() => Broadcast(input, crlf)) { IsBackground = true, Name = "usock stdin" };
            thread.Start();
        }

        private void Serve(Session session)
        {
            SessionEnd end = session.Run(null, echo ? null : _output, _stdout, crlf: false, TimeSpan.Zero);
            lock (_gate)
            {
                _sessions.Remove(session);
            }

            Interlocked.Add(ref _sent, session.Sent);
            Interlocked.Add(ref _received, session.Received);
            session.ReportEnd(end);
        }

        private void Broadcast(Stream input, bool crlf)
        {
            byte[] buffer = new byte[16 * 1024];
            LineEndings? endings = crlf ? new LineEndings() : null;
            int n;
            try
            {
                while ((n = input.Read(buffer)) > 0)
                {
                    ReadOnlyMemory<byte> chunk = buffer.AsMemory(0, n);
                    chunk = endings?.Convert(chunk) ?? chunk;
                    Session[] targets;
                    lock (_gate)
                    {
                        targets = [.. _sessions];
                    }

                    foreach (Session s in targets)
                    {
                        try
                        {
                            s.Send(chunk.Span);
                        }
                        catch (UsocketException)
                        {
                            // That client is going away; its own session reports how.
                        }
                    }
                }
            }
            catch (IOException)
            {
                // stdin failed: nothing more to send
            }
        }
    }
}
