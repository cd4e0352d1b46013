using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock recv FILE PORT</c>: listens (a socket made with <see cref="USocket.IPPROTO_TCP_SER"/>, on 127.0.0.1
/// unless <c>--bind</c> says otherwise), takes one connection, writes everything it receives to FILE until the
/// sender closes, and prints the SHA-256 of it on stdout as <c>sha256sum</c> does (<c>HEX  FILE</c>).
/// </summary>
internal static class RecvCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Where to write what arrives ('-' for stdout; the SHA-256 then goes to stderr)" };
        Argument<int> port = Args.Port("Port to listen on (0: the system picks one and usock prints it)", allowZero: true);
        Option<string?> bind = Args.Bind();
        DurationOption timeout = Duration.Option("--timeout", "Limit for waiting for the sender, and for each receive (0: no limit)", TimeSpan.Zero);
        var command = new Command("recv", "Receive one transfer on PORT (127.0.0.1 unless --bind) into FILE (progress on a terminal), then print its SHA-256 ('HEX  FILE') on stdout.")
        {
            file, port, bind, timeout.Option,
        };
        command.WithExamples("""
            usock recv copy.bin 9000
            usock recv --bind 0.0.0.0 --timeout 1m copy.bin 9000
            """);
        CommonOptions common = CommonOptions.AddTo(command);
        command.SetAction(r => Run(
            common.Begin(r), r.GetValue(file)!, r.GetValue(port), r.GetValue(bind), common.Family(r), timeout.Get(r), r.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(Reporter report, string file, int port, string? bind, int? family, TimeSpan timeout, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        bool toStdout = file == "-";
        return FileTransfer.Run(
            report,
            () => toStdout ? Console.OpenStandardOutput() : new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, FileTransfer.ChunkSize),
            "write",
            (sink, t) =>
            {
                (int af, string host) = Endpoints.ForBind(bind, family);
                t.Op = "socket";
                using var listener = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
                using IDisposable ctrlC = Interrupt.OnInterrupt(listener.Close);
                t.Op = "setsockopt";
                listener.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
                t.Op = "bind";
                listener.Bind((host, port));
                t.Op = "listen";
                listener.Listen(1);
                listener.SetTimeout(Duration.ToSocketTimeout(timeout));
                report.Listening(listener.GetSockName(), "tcp");
                t.Op = "accept";
                (USocket conn, string ip, int clientPort) = listener.Accept();
                listener.Close();
                using (conn)
                {
                    using IDisposable ctrlC2 = Interrupt.OnInterrupt(conn.Close);
                    (string Host, int Port) peer = (ip, clientPort);
                    report.Accepted(peer);
                    clock.Restart(); // the transfer's time and rate, not the wait for a sender
                    conn.SetTimeout(Duration.ToSocketTimeout(timeout));
                    t.Op = "recv";
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    long received = TransferProgress.Run(report, $"recv {file}", null, advance => FileTransfer.Copy(
                        buffer => Receive.Chunk(conn, buffer), sink.Write, sha, report, outgoing: false, peer, advance));
                    sink.Flush();
                    string digest = Convert.ToHexStringLower(sha.GetHashAndReset());
                    report.Closed(peer, "peer", 0, received);
                    if (toStdout)
                    {
                        report.Note($"sha256 {digest}  -");
                    }
                    else
                    {
                        output.WriteLine($"{digest}  {file}");
                    }

                    report.Summary(0, received, clock.Elapsed, digest, rate: true);
                    return ExitCodes.Ok;
                }
            });
    }
}
