using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Usock.Chaos;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock chaos LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT [faults]</c>: a proxy that gives the traffic between a
/// program and its peer the faults of a bad cellular network (see docs/faults.md). Runs until Ctrl-C or
/// <c>--duration</c>; stdin (and <c>--control PORT</c> on 127.0.0.1) takes control commands, one reply line each on
/// stdout. Exit codes: 0 done, 1 the listen address cannot be bound, 2 a bad value, 4 a scenario file or an output
/// file cannot be read or written, 130 Ctrl-C.
/// </summary>
internal static class ChaosCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var listenPort = new Argument<int>("LISTEN_PORT") { Description = "Port the proxy listens on (0: the system picks one and usock prints it)", CustomParser = r => Port(r, 0) };
        var host = new Argument<string>("UPSTREAM_HOST") { Description = "The peer: a name or an IP address" };
        var upstreamPort = new Argument<int>("UPSTREAM_PORT") { Description = "The peer's port (1..65535)", CustomParser = r => Port(r, 1) };
        var bind = new Option<string>("--bind") { Description = "Local address to listen on [default: 127.0.0.1]", HelpName = "ADDRESS", DefaultValueFactory = _ => "127.0.0.1" };
        var udp = new Option<bool>("--udp", "-u") { Description = "Relay UDP datagrams instead of TCP connections" };
        var direction = new Option<FaultDirection>("--direction") { Description = "Which way the command-line faults act: up (program to peer), down, both [default: both]", HelpName = "up|down|both", CustomParser = r => Parse(r, FaultText.ParseDirection) };
        var toxicity = new Option<double>("--toxicity") { Description = "Probability (0..1) that each command-line fault applies to a connection [default: 1]", HelpName = "P", DefaultValueFactory = _ => 1, CustomParser = r => Parse(r, FaultText.ParseProbability) };
        var seed = new Option<long>("--seed") { Description = "Seed of every random choice: the same seed repeats a run [default: 0, or the scenario's]", HelpName = "N" };
        var scenario = new Option<string?>("--scenario") { Description = "A scenario file (JSON: seed and scheduled faults, see docs/faults.md)", HelpName = "FILE" };
        var timeline = new Option<string?>("--timeline") { Description = "Write the timeline (JSON lines) to FILE ('-' for stdout)", HelpName = "FILE" };
        var pcap = new Option<string?>("--pcap") { Description = "Write a pcap of both sides of every connection to FILE", HelpName = "FILE" };
        var control = new Option<int?>("--control") { Description = "Also take control commands on 127.0.0.1:PORT (0: any free port, printed)", HelpName = "PORT", CustomParser = r => Port(r, 0) };
        var duration = new Option<TimeSpan?>("--duration") { Description = "Stop after this long (default: run until Ctrl-C)", HelpName = "DURATION", CustomParser = r => Parse(r, FaultText.ParseDuration) };
        var faultLines = new Option<string[]>("--fault") { Description = "A fault in the control syntax, repeatable: 'KIND [VALUE] [dir=..] [toxicity=..] [start=T] [length=T]'", HelpName = "FAULT", AllowMultipleArgumentsPerToken = false };

        (string Name, string Kind, string Help, string Value)[] valued =
        [
            ("--latency", "latency", "Delay each chunk, e.g. 100ms or 100ms~20ms (± jitter)", "DELAY[~JITTER]"),
            ("--bandwidth", "bandwidth", "Cap the rate, e.g. 64KB/s", "RATE"),
            ("--slicer", "slicer", "Split writes into pieces, e.g. 10B or 10B/1ms (a delay between pieces)", "SIZE[/DELAY]"),
            ("--reset-after", "reset", "Reset (RST) both sides after a byte count or a time, e.g. 10KB or 5s", "SIZE|DURATION"),
            ("--timeout-after", "timeout", "Stop forwarding at once and close after this long (0: hold forever), e.g. 5s", "DURATION"),
            ("--slow-close", "slow_close", "Delay each FIN by this long", "DURATION"),
            ("--limit", "limit", "Close a connection after this many bytes, e.g. 1MB", "SIZE"),
            ("--nat-idle", "nat_idle", "Drop a connection idle this long, silently, e.g. 120s", "DURATION"),
            ("--outage", "outage", "The data call is gone: START+LENGTH from the proxy's start, e.g. 10s+30s", "START+LENGTH"),
            ("--loss", "loss", "Drop each datagram with this probability (UDP), e.g. 0.1", "P"),
        ];
        var valuedOptions = valued.Select(v => (v.Kind, Option: new Option<Fault?>(v.Name)
        {
            Description = v.Help,
            HelpName = v.Value,
            CustomParser = r => Parse(r, text => FaultText.FromValue(v.Kind, text)),
        })).ToArray();
        var down = new Option<bool>("--down") { Description = "Start down: connections are refused (until 'up' on the control surface)" };
        var dns = new Option<bool>("--dns-failure") { Description = "The upstream name does not resolve: new connections are reset" };

        var command = new Command("chaos", "Relay LISTEN_PORT to UPSTREAM_HOST:UPSTREAM_PORT with the faults of a bad cellular network; a timeline and a pcap show what happened. Control commands on stdin (add, set, remove, clear, down, up, list, stats).")
        {
            listenPort, host, upstreamPort, bind, udp, direction, toxicity, seed, scenario, timeline, pcap, control, duration, faultLines, down, dns,
        };
        foreach ((string _, Option<Fault?> o) in valuedOptions)
        {
            command.Options.Add(o);
        }

        command.SetAction(r =>
        {
            var faults = new List<Fault>();
            FaultDirection dir = r.GetValue(direction);
            double tox = r.GetValue(toxicity);
            foreach ((string kind, Option<Fault?> o) in valuedOptions)
            {
                if (r.GetValue(o) is { } f)
                {
                    faults.Add(kind == "loss" ? f with { Direction = dir } : f with { Direction = dir, Toxicity = tox });
                }
            }

            if (r.GetValue(down))
            {
                faults.Add(Fault.Down() with { Name = "down" });
            }

            if (r.GetValue(dns))
            {
                faults.Add(Fault.DnsFailure());
            }

            return Run(new Settings(
                r.GetValue(listenPort), r.GetValue(host)!, r.GetValue(upstreamPort), r.GetValue(bind)!, r.GetValue(udp), r.GetValue(seed),
                r.GetResult(seed) is not null, r.GetValue(scenario), r.GetValue(timeline), r.GetValue(pcap), r.GetValue(control), r.GetValue(duration),
                r.GetValue(faultLines) ?? [], faults));
        });
        return command;
    }

    private sealed record Settings(
        int ListenPort, string Host, int UpstreamPort, string Bind, bool Udp, long Seed, bool SeedGiven, string? Scenario, string? Timeline,
        string? Pcap, int? Control, TimeSpan? Duration, string[] FaultLines, List<Fault> Faults);

    private static int Run(Settings s)
    {
        if (!IPAddress.TryParse(s.Bind, out IPAddress? bindAddress))
        {
            Console.Error.WriteLine($"usock: --bind takes an IP address, not '{s.Bind}'.");
            return ExitCodes.Usage;
        }

        var options = new ChaosProxyOptions
        {
            Listen = new IPEndPoint(bindAddress, s.ListenPort),
            UpstreamHost = s.Host,
            UpstreamPort = s.UpstreamPort,
            Udp = s.Udp,
            Seed = s.Seed,
        };
        try
        {
            if (s.Scenario is not null)
            {
                Scenario scenario = Chaos.Scenario.Load(s.Scenario);
                if (!s.SeedGiven && scenario.Seed is { } seed)
                {
                    options.Seed = seed;
                }

                foreach (Fault f in scenario.Faults)
                {
                    options.Faults.Add(f);
                }
            }

            foreach (string line in s.FaultLines)
            {
                options.Faults.Add(FaultText.Parse(line));
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"usock: {(s.Scenario is not null ? s.Scenario + ": " : "")}{e.Message}.");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"usock: cannot read the scenario {s.Scenario}: {e.Message}");
            return ExitCodes.FileError;
        }

        foreach (Fault f in s.Faults)
        {
            options.Faults.Add(f);
        }

        TextWriter? timelineWriter = null;
        FileStream? pcapStream = null;
        try
        {
            try
            {
                timelineWriter = s.Timeline switch
                {
                    null => null,
                    "-" => Console.Out,
                    _ => new StreamWriter(s.Timeline, append: false, new System.Text.UTF8Encoding(false)),
                };
                pcapStream = s.Pcap is null ? null : new FileStream(s.Pcap, FileMode.Create, FileAccess.Write, FileShare.Read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"usock: cannot write {e.Message}");
                return ExitCodes.FileError;
            }

            options.Timeline = timelineWriter;
            options.Pcap = pcapStream;
            return Relay(s, options);
        }
        finally
        {
            if (!ReferenceEquals(timelineWriter, Console.Out))
            {
                timelineWriter?.Dispose();
            }

            pcapStream?.Dispose();
        }
    }

    private static int Relay(Settings s, ChaosProxyOptions options)
    {
        using var proxy = new ChaosProxy(options);
        try
        {
            proxy.Start();
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"usock: cannot listen on {options.Listen}: {e.Message}");
            return ExitCodes.SocketError;
        }

        IPEndPoint at = proxy.LocalEndPoint;
        Console.Error.WriteLine($"usock chaos: listening on ('{at.Address}', {at.Port}) ({(s.Udp ? "udp" : "tcp")}), relaying to {s.Host}:{s.UpstreamPort}, seed {options.Seed}");
        foreach (KeyValuePair<int, Fault> f in proxy.Faults)
        {
            Console.Error.WriteLine($"usock chaos: fault {f.Key}: {FaultText.Format(f.Value)}");
        }

        using var stop = new CancellationTokenSource();
        var controlSurface = new ChaosControl(proxy);
        Socket? controlListener = null;
        if (s.Control is { } controlPort)
        {
            try
            {
                controlListener = ChaosControl.Listen(controlPort);
            }
            catch (SocketException e)
            {
                Console.Error.WriteLine($"usock: cannot listen for control on 127.0.0.1:{controlPort}: {e.Message}");
                return ExitCodes.SocketError;
            }

            Console.Error.WriteLine($"usock chaos: control on ('127.0.0.1', {((IPEndPoint)controlListener.LocalEndPoint!).Port})");
            _ = controlSurface.Serve(controlListener, stop.Token);
        }

        using IDisposable ctrlC = Interrupt.OnInterrupt(stop.Cancel);
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        var stdin = new Thread(() => ReadCommands(controlSurface)) { IsBackground = true, Name = "chaos stdin" };
        stdin.Start();
        if (s.Duration is { } d)
        {
            stop.CancelAfter(d);
        }

        stop.Token.WaitHandle.WaitOne();
        controlListener?.Dispose();
        Console.Error.WriteLine($"usock chaos: stopped after {proxy.Elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s, {proxy.TotalConnections} connections");
        return Interrupt.Requested ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    private static void ReadCommands(ChaosControl control)
    {
        try
        {
            while (Console.In.ReadLine() is { } line)
            {
                if (line.Trim().Length > 0)
                {
                    Console.Out.WriteLine(control.Execute(line));
                    Console.Out.Flush();
                }
            }
        }
        catch (IOException)
        {
            // stdin closed under us
        }
    }

    private static int Port(ArgumentResult r, int min)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < min || port > 65535)
        {
            r.AddError($"{r.Argument?.Name ?? ((OptionResult)r.Parent!).Option.Name} must be a port number {min}..65535, not '{text}'.");
            return 0;
        }

        return port;
    }

    private static T Parse<T>(ArgumentResult r, Func<string, T> parse)
    {
        string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
        try
        {
            return parse(text);
        }
        catch (ArgumentException e)
        {
            string name = r.Parent is OptionResult o ? o.Option.Name : "value";
            r.AddError($"{name}: {e.Message}.");
            return default!;
        }
    }
}
