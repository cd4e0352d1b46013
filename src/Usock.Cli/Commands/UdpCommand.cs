using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock udp</c>: <c>udp send HOST PORT [MESSAGE]</c> sends datagrams (the message, or each line of stdin) with
/// the module's <c>sendto</c>, and with <c>--reply</c> waits for one answer to each and prints it on stdout;
/// <c>udp echo PORT</c> is an echo server (<c>recvfrom</c>, then <c>sendto</c> back to the sender).
/// </summary>
internal static class UdpCommand
{
    private const int MaxDatagram = 65535;

    /// <summary>Builds the command and its two subcommands.</summary>
    public static Command Create() => new Command("udp", "UDP datagrams: send some (udp send), print what arrives (udp listen), or run an echo server (udp echo).")
    {
        CreateSend(),
        CreateEcho(),
        CreateListen(),
    }.WithExamples("""
        usock udp echo 9000
        usock udp send --reply 127.0.0.1 9000 ping
        usock udp listen 9000 > datagrams.bin
        """);

    private static Command CreateSend()
    {
        Argument<string> host = Args.Host("Destination name or IP address");
        Argument<int> port = Args.Port("Destination port (1..65535)");
        var message = new Argument<string?>("MESSAGE") { Description = "The datagram to send (UTF-8); without it, each line of stdin is one datagram", Arity = ArgumentArity.ZeroOrOne };
        var reply = new Option<bool>("--reply", "-r") { Description = "Wait for one reply to each datagram and print it on stdout" };
        DurationOption timeout = Duration.Option("--timeout", "With --reply: how long to wait for each reply (0: no limit)", TimeSpan.FromSeconds(5));
        var command = new Command("send", "Send MESSAGE (or each line of stdin) as a datagram to HOST PORT; with --reply, print one reply to each on stdout.")
        {
            host, port, message, reply, timeout.Option,
        };
        command.WithExamples("""
            usock udp send 127.0.0.1 9000 hello
            usock udp send --reply 127.0.0.1 9000 ping
            printf 'one\ntwo\n' | usock udp send --reply 127.0.0.1 9000
            """);
        CommonOptions common = CommonOptions.AddTo(command);
        command.SetAction(r => Send(
            common.Begin(r), r.GetValue(host)!, r.GetValue(port), common.Family(r), r.GetValue(message), r.GetValue(reply), timeout.Get(r)));
        return command;
    }

    private static Command CreateEcho() => CreateServer(
        "echo",
        "Echo every datagram that arrives on PORT (127.0.0.1 unless --bind) back to its sender.",
        "Exit after echoing this many datagrams (0: run until Ctrl-C)",
        """
        usock udp echo 9000
        usock udp echo 0 --count 1 --hex
        """,
        Echo);

    private static Command CreateListen() => CreateServer(
        "listen",
        "Print every datagram that arrives on PORT (127.0.0.1 unless --bind) on stdout, as they come (netcat's -lu).",
        "Exit after this many datagrams (0: run until Ctrl-C)",
        """
        usock udp listen 9000
        usock udp listen 0 --count 1 --hex
        """,
        Listen);

    // The two servers take the same arguments: PORT, --bind, --count and the common options.
    private static Command CreateServer(string name, string description, string countHelp, string examples, Func<Reporter, int, string?, int?, int, int> run)
    {
        Argument<int> port = Args.Port("Port to listen on (0: the system picks one and usock prints it)", allowZero: true);
        Option<string?> bind = Args.Bind();
        Option<int> count = Args.Number("--count", countHelp, 0, int.MaxValue, 0);
        var command = new Command(name, description)
        {
            port, bind, count,
        };
        command.WithExamples(examples);
        CommonOptions common = CommonOptions.AddTo(command);
        command.SetAction(r => run(common.Begin(r), r.GetValue(port), r.GetValue(bind), common.Family(r), r.GetValue(count)));
        return command;
    }

    private static int Listen(Reporter report, int port, string? bind, int? family, int count) =>
        Serve(report, port, bind, family, (sock, t) =>
        {
            Stream output = Console.OpenStandardOutput();
            for (int n = 0; count == 0 || n < count; n++)
            {
                (byte[] data, (string Host, int Port) from) = t.RecvFrom(sock);
                report.Verbose(string.Create(CultureInfo.InvariantCulture, $"received {Reporter.Bytes(data.Length)} from {PyRepr.Address(from)}"));
                try
                {
                    output.Write(data);
                    output.Flush();
                }
                catch (IOException)
                {
                    break; // stdout closed: nobody reads any more
                }
            }
        });

    private static int Send(Reporter report, string host, int port, int? family, string? message, bool reply, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var t = new Tally(report);
        try
        {
            (int af, (string Host, int Port) address) = Endpoints.ForSendTo(host, port, family);
            t.Op = "socket";
            using var sock = new USocket(af, USocket.SOCK_DGRAM);
            using IDisposable ctrlC = Interrupt.OnInterrupt(sock.Close);
            sock.SetTimeout(Duration.ToSocketTimeout(timeout));
            Stream output = Console.OpenStandardOutput();
            IEnumerable<byte[]> datagrams = message is not null ? [Encoding.UTF8.GetBytes(message)] : Lines(Console.OpenStandardInput());
            foreach (byte[] datagram in datagrams)
            {
                t.SendTo(sock, datagram, address);
                if (reply)
                {
                    (byte[] data, _) = t.RecvFrom(sock);
                    output.Write(data);
                    output.Flush();
                }
            }
        }
        catch (UsocketException e)
        {
            return report.SocketFailure(t.Op, e);
        }

        report.Summary(t.Sent, t.Received, clock.Elapsed);
        return ExitCodes.Ok;
    }

    private static int Echo(Reporter report, int port, string? bind, int? family, int count) =>
        Serve(report, port, bind, family, (sock, t) =>
        {
            for (int echoed = 0; count == 0 || echoed < count; echoed++)
            {
                (byte[] data, (string Host, int Port) from) = t.RecvFrom(sock);
                int n = t.SendTo(sock, data, from);
                report.Note(string.Create(CultureInfo.InvariantCulture, $"echoed {Reporter.Bytes(n)} to {PyRepr.Address(from)}"), Paint.Dim);
            }
        });

    /// <summary>
    /// The UDP server of <c>listen</c> and <c>echo</c>: binds, says where, and runs <paramref name="loop"/> until it
    /// ends, Ctrl-C ends it (exit 130, after the summary), or a socket call fails.
    /// </summary>
    private static int Serve(Reporter report, int port, string? bind, int? family, Action<USocket, Tally> loop)
    {
        var clock = Stopwatch.StartNew();
        var t = new Tally(report);
        try
        {
            (int af, string host) = Endpoints.ForBind(bind, family);
            t.Op = "socket";
            using var sock = new USocket(af, USocket.SOCK_DGRAM);
            using IDisposable ctrlC = Interrupt.OnInterrupt(sock.Close);
            t.Op = "bind";
            sock.Bind((host, port));
            report.Listening(sock.GetSockName(), "udp");
            loop(sock, t);
        }
        catch (UsocketException) when (Interrupt.Requested)
        {
            report.Summary(t.Sent, t.Received, clock.Elapsed);
            return ExitCodes.Interrupted;
        }
        catch (UsocketException e)
        {
            report.Failed(t.Op, e);
            return ExitCodes.SocketError;
        }

        report.Summary(t.Sent, t.Received, clock.Elapsed);
        return ExitCodes.Ok;
    }

    /// <summary>The datagrams a command sends and receives, shown as traffic and counted, and the call it is at.</summary>
    private sealed class Tally(Reporter report)
    {
        public string Op { get; set; } = "getaddrinfo";

        public long Sent { get; private set; }

        public long Received { get; private set; }

        public (byte[] Data, (string Host, int Port) From) RecvFrom(USocket sock)
        {
            Op = "recvfrom";
            (byte[] data, (string Host, int Port) from) = sock.RecvFrom(MaxDatagram);
            report.Traffic(false, from, data, Received);
            Received += data.Length;
            return (data, from);
        }

        public int SendTo(USocket sock, byte[] data, (string Host, int Port) to)
        {
            Op = "sendto";
            int n = sock.SendTo(data, to);
            report.Traffic(true, to, data.AsSpan(0, n), Sent);
            Sent += n;
            return n;
        }
    }

    /// <summary>The lines of <paramref name="input"/>, each with its <c>\n</c> (the last one may lack it).</summary>
    private static IEnumerable<byte[]> Lines(Stream input)
    {
        var line = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = input.Read(buffer)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] == '\n')
                {
                    line.Write(buffer, start, i + 1 - start);
                    yield return line.ToArray();
                    line.SetLength(0);
                    start = i + 1;
                }
            }

            line.Write(buffer, start, n - start);
        }

        if (line.Length > 0)
        {
            yield return line.ToArray();
        }
    }
}
