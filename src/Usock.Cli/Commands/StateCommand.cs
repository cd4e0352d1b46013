using System.CommandLine;
using System.Globalization;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock state HOST PORT</c>: connects and prints <see cref="USocket.GetSocketSta"/> as number and name
/// (<c>4 ESTABLISHED</c>) on stdout. <c>--watch</c> keeps reading it and prints every change: when the peer
/// closes, <c>7 CLOSE_WAIT</c>; usock then half-closes its side too (unless <c>--hold</c>), so the connection goes
/// on through LAST_ACK to <c>0 CLOSED</c>, where the command ends. <c>--duration</c> or Ctrl-C end it sooner.
/// </summary>
internal static class StateCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Argument<string> host = Args.Host("Server name or IP address");
        Argument<int> port = Args.Port("Server port (1..65535)");
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep watching and print every change of state, until CLOSED" };
        DurationOption duration = Duration.Option("--duration", "With --watch: stop after this long (0: no limit)", TimeSpan.Zero);
        DurationOption interval = Duration.Option("--interval", "With --watch: how often to read the state", TimeSpan.FromMilliseconds(10));
        var hold = new Option<bool>("--hold") { Description = "With --watch: stay in CLOSE_WAIT when the peer closes, instead of closing our side too" };
        DurationOption timeout = Duration.Option("--timeout", "Limit for connecting (0: no limit)", ConnectCommand.DefaultTimeout);
        var command = new Command("state", "Connect to HOST PORT and print the TCP state (getsocketsta) on stdout as number and name, e.g. '4 ESTABLISHED'; with --watch, every change until CLOSED ('7 CLOSE_WAIT' when the peer closes; usock then closes its side too, unless --hold).")
        {
            host, port, watch, duration.Option, interval.Option, hold, timeout.Option,
        };
        command.WithExamples("""
            usock state 127.0.0.1 8080
            usock state --watch --duration 30s 127.0.0.1 8080
            """);
        command.Validators.Add(r =>
        {
            foreach (Option o in new Option[] { hold, duration.Option, interval.Option })
            {
                if (r.GetResult(o) is { Implicit: false } && !r.GetValue(watch))
                {
                    r.AddError($"{o.Name} needs --watch: without it usock prints the state once and exits.");
                }
            }
        });
        CommonOptions common = CommonOptions.AddTo(command, hex: false);
        command.SetAction(r => Run(
            common.Begin(r), r.GetValue(host)!, r.GetValue(port), common.Family(r), r.GetValue(watch), duration.Get(r),
            interval.Get(r), r.GetValue(hold), timeout.Get(r), r.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(Reporter report, string host, int port, int? family, bool watch, TimeSpan duration, TimeSpan interval, bool hold, TimeSpan timeout, TextWriter output)
    {
        string op = "getaddrinfo";
        USocket? sock = null;
        try
        {
            (int af, (string Host, int Port) address) = Endpoints.ForConnect(host, port, family);
            op = "socket";
            sock = new USocket(af, USocket.SOCK_STREAM);
            using var stop = new ManualResetEventSlim();
            using IDisposable ctrlC = Interrupt.OnInterrupt(() =>
            {
                stop.Set();
                if (!watch)
                {
                    sock.Close(); // still connecting
                }
            });
            sock.SetTimeout(Duration.ToSocketTimeout(timeout));
            op = "connect";
            sock.Connect(address);
            report.Connected(sock.GetPeerName(), sock.GetSockName(), "tcp");

            int state = sock.GetSocketSta();
            Print(report, output, state);
            if (!watch)
            {
                return ExitCodes.Ok;
            }

            DateTime end = duration > TimeSpan.Zero ? DateTime.UtcNow + duration : DateTime.MaxValue;
            TimeSpan step = interval > TimeSpan.Zero ? interval : TimeSpan.FromMilliseconds(1);
            bool closedOurSide = false;
            op = "shutdown";
            while (state != (int)TcpState.Closed)
            {
                TimeSpan left = end - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || stop.Wait(left < step ? left : step))
                {
                    break;
                }

                int now = sock.GetSocketSta();
                if (now != state)
                {
                    state = now;
                    Print(report, output, state);
                }

                if (state == (int)TcpState.CloseWait && !hold && !closedOurSide)
                {
                    sock.Shutdown(USocket.SHUT_WR); // the program is done too: on to LAST_ACK and CLOSED
                    closedOurSide = true;
                }
            }

            return Interrupt.Requested ? ExitCodes.Interrupted : ExitCodes.Ok;
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

    private static void Print(Reporter report, TextWriter output, int state)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{state} {TcpStateNames.Name(state)}"));
        output.Flush();
        report.State(state);
    }
}
