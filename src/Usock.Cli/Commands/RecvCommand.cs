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
    private const int ChunkSize = 64 * 1024;

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
        Stream sink;
        try
        {
            sink = toStdout ? Console.OpenStandardOutput() : new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, ChunkSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            report.Failed("open", e.Message);
            return ExitCodes.FileError;
        }

        string op = "getaddrinfo";
        using (sink)
        {
            try
            {
                (int af, string host) = Endpoints.ForBind(bind, family);
                op = "socket";
                using var listener = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
                using IDisposable ctrlC = Interrupt.OnInterrupt(listener.Close);
                op = "setsockopt";
                listener.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
                op = "bind";
                listener.Bind((host, port));
                op = "listen";
                listener.Listen(1);
                listener.SetTimeout(Duration.ToSocketTimeout(timeout));
                report.Listening(listener.GetSockName(), "tcp");
                op = "accept";
                (USocket conn, string ip, int clientPort) = listener.Accept();
                listener.Close();
                using (conn)
                {
                    using IDisposable ctrlC2 = Interrupt.OnInterrupt(conn.Close);
                    (string Host, int Port) peer = (ip, clientPort);
                    report.Accepted(peer);
                    clock.Restart(); // the transfer's time and rate, not the wait for a sender
                    conn.SetTimeout(Duration.ToSocketTimeout(timeout));
                    op = "recv";
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    long received = TransferProgress.Run(report, $"recv {file}", null, advance => Pump(conn, sink, sha, report, peer, advance));
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
            }
            catch (UsocketException e)
            {
                return report.SocketFailure(op, e);
            }
            catch (IOException e)
            {
                report.Failed("write", e.Message);
                return ExitCodes.FileError;
            }
        }
    }

    private static long Pump(USocket conn, Stream sink, IncrementalHash sha, Reporter report, (string Host, int Port) peer, Action<long> advance)
    {
        byte[] buffer = new byte[ChunkSize];
        long received = 0;
        int n;
        while ((n = Receive.Chunk(conn, buffer)) >= 0)
        {
            ReadOnlySpan<byte> chunk = buffer.AsSpan(0, n);
            report.Traffic(false, peer, chunk, received);
            sink.Write(chunk);
            sha.AppendData(chunk);
            received += n;
            advance(n);
        }

        return received;
    }
}
