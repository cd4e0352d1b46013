using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock send FILE HOST PORT</c>: connects, sends the file's bytes (nothing else: any netcat or
/// <c>usock recv</c> can take them), half-closes, waits for the receiver to close, and prints the SHA-256 of what
/// it sent on stdout as <c>sha256sum</c> does (<c>HEX  FILE</c>). A progress bar runs on a terminal.
/// </summary>
internal static class SendCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The file to send ('-' for stdin)" };
        Argument<string> host = Args.Host("Receiver's name or IP address");
        Argument<int> port = Args.Port("Receiver's port (1..65535)");
        DurationOption timeout = Duration.Option("--timeout", "Limit for each socket call: connecting, each send, and waiting for the receiver to close (0: no limit)", ConnectCommand.DefaultTimeout);
        var command = new Command("send", "Send FILE to HOST PORT as raw bytes (progress bar on a terminal), wait for the receiver to close, and print the SHA-256 ('HEX  FILE') on stdout.")
        {
            file, host, port, timeout.Option,
        };
        command.WithExamples("""
            usock recv copy.bin 9000                      # on the receiving side
            usock send firmware.bin 192.168.1.20 9000
            """);
        CommonOptions common = CommonOptions.AddTo(command);
        command.SetAction(r => Run(
            common.Begin(r), r.GetValue(file)!, r.GetValue(host)!, r.GetValue(port), common.Family(r), timeout.Get(r), r.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(Reporter report, string file, string host, int port, int? family, TimeSpan timeout, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        return FileTransfer.Run(
            report,
            () => file == "-" ? Console.OpenStandardInput() : new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileTransfer.ChunkSize),
            "read",
            (input, t) =>
            {
                long? size = input.CanSeek ? input.Length : null;
                (int af, (string Host, int Port) address) = Endpoints.ForConnect(host, port, family);
                t.Op = "socket";
                using var sock = new USocket(af, USocket.SOCK_STREAM);
                using IDisposable ctrlC = Interrupt.OnInterrupt(sock.Close);
                sock.SetTimeout(Duration.ToSocketTimeout(timeout));
                t.Op = "connect";
                sock.Connect(address);
                (string Host, int Port) peer = sock.GetPeerName();
                report.Connected(peer, sock.GetSockName(), "tcp");

                t.Op = "sendall";
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long sent = TransferProgress.Run(report, $"send {file}", size, advance => FileTransfer.Copy(
                    buffer => ReadChunk(input, buffer), sock.SendAll, sha, report, outgoing: true, peer, advance));
                string digest = Convert.ToHexStringLower(sha.GetHashAndReset());

                t.Op = "shutdown";
                sock.Shutdown(USocket.SHUT_WR);
                t.Op = "recv";
                long received = Drain(sock, report, peer, timeout);
                report.Closed(peer, "peer", sent, received);

                output.WriteLine($"{digest}  {file}");
                report.Summary(sent, received, clock.Elapsed, digest, rate: true);
                return ExitCodes.Ok;
            });
    }

    // A whole chunk from the file, fewer bytes only at its end; -1 once it has ended.
    private static int ReadChunk(Stream input, byte[] buffer)
    {
        int n = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return n > 0 ? n : -1;
    }

    // Everything is sent and our FIN is out: the receiver closing tells that it has it all.
    private static long Drain(USocket sock, Reporter report, (string Host, int Port) peer, TimeSpan timeout)
    {
        byte[] buffer = new byte[4096];
        long received = 0;
        try
        {
            int n;
            while ((n = Receive.Chunk(sock, buffer)) >= 0)
            {
                report.Traffic(false, peer, buffer.AsSpan(0, n), received);
                received += n;
            }
        }
        catch (UsocketException e) when (e.Errno == Errno.ETIMEDOUT)
        {
            report.Note($"everything was sent, but the receiver had not closed after {Duration.Format(timeout)}", Paint.Dim);
        }

        return received;
    }
}
