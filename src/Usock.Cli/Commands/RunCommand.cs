using System.CommandLine;
using Usock.Python;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock run [--resolve NAME:PORT=ADDR:PORT]... [--map-port PORT=HOSTPORT]... [--bak DIR] [--python PATH] [--serve-example] [--imei IMEI] [--uart N=SPEC]... [--attach-ms MS] [--network FILE [--seed N] [--timeline FILE] [--picture FILE]] [--cpython-semantics] (SCRIPT | DIR | -c CODE) [ARG...]</c>:
/// runs a QuecPython program on the PC, its <c>usocket</c> backed by Usock. Everything after the script (or after
/// <c>-c CODE</c>) belongs to the script, so this command reads its own arguments instead of System.CommandLine.
/// </summary>
internal static class RunCommand
{
    private const string Usage = "usage: usock run [--resolve NAME:PORT=ADDR:PORT]... [--map-port PORT=HOSTPORT]... [--bak DIR] [--python PATH] [--serve-example] [--imei IMEI] [--uart N=SPEC]... [--attach-ms MS] [--network FILE [--seed N] [--timeline FILE] [--picture FILE]] [--cpython-semantics] (SCRIPT | DIR | -c CODE) [ARG...]";

    /// <summary>The command as help lists it; <see cref="Run"/> does the parsing.</summary>
    public static Command Create()
    {
        var command = new Command("run", "Run a QuecPython script (or a device project folder's main.py, or -c CODE, or a prompt) on the PC, its usocket backed by Usock.")
        {
            new Option<string[]>("--resolve") { Description = "NAME:PORT=ADDR:PORT: the script's getaddrinfo, connect and sendto of NAME:PORT (a name or an IP literal) go to ADDR:PORT (as curl's --resolve)" },
            new Option<string[]>("--map-port") { Description = "PORT=HOSTPORT: the script's bind of PORT binds HOSTPORT instead (e.g. 80=8080: a server for the device's port 80 without root)" },
            new Option<string>("--bak") { Description = "The folder that is the device's /bak (default: bak beside the program's folder, which is /usr; made when first written)" },
            new Option<string>("--python") { Description = "The python3 to embed (default: USOCK_PYTHON, else python3 on PATH; 3.11 or newer with its shared library)" },
            new Option<bool>("--serve-example") { Description = "Start the local stand-in for www.tongxinmao.com:80 (as usock example) and resolve that name to it" },
            new Option<string>("--imei") { Description = "The IMEI modem.getDevImei() reports (default USOCK_IMEI, else 860000000000000)" },
            new Option<string[]>("--uart") { Description = "N=SPEC: wire the program's machine.UART(N) to tcp:HOST:PORT (usock connects), stdio or pty" },
            new Option<int>("--attach-ms") { Description = "How long the radio takes to attach after net.setModemFun(1) (default USOCK_ATTACH_MS, else 1000)" },
            new Option<bool>("--cpython-semantics") { Description = "Compile the program with CPython's rules only, without the device's language (then private names are mangled, bytes % str fails, ...; see docs/scripts.md)" },
            new Option<string>("--network") { Description = "FILE: a scenario of the device's network (outages, NAT idle drops, DNS failures, signal, latency...): the program's sockets and the modem modules follow it (docs/scripts.md, Device life)" },
            new Option<long>("--seed") { Description = "The --network scenario's seed (over the file's): the same scenario and seed give the same run" },
            new Option<string>("--timeline") { Description = "FILE (- for stderr): the --network run's timeline, JSON lines, with a summary at the end" },
            new Option<string>("--picture") { Description = "FILE: the --network run drawn as one self-contained HTML page (the modem's state, the faults, each connection, the summary)" },
            new Option<string>("-c") { Description = "Run CODE instead of a script" },
            new Argument<string[]>("script-and-args") { Description = "SCRIPT or DIR (runs DIR/main.py, else DIR/_main.py; the script's folder is the device's /usr) and the script's own arguments", Arity = ArgumentArity.ZeroOrMore },
        };
        command.WithExamples("""
            usock run examples/quecpython/example.py --serve-example
            usock run --resolve www.tongxinmao.com:80=127.0.0.1:8080 app.py
            usock run my_project/
            usock run --uart 2=tcp:127.0.0.1:7000 --imei 866123456789012 dtu/
            usock run --map-port 80=8080 --resolve 1.2.3.4:6666=127.0.0.1:9000 my_project/
            usock run --network examples/network/cellular-day.txt --timeline run.jsonl my_project/
            usock run -c "import usocket; print(usocket.getaddrinfo('localhost', 80))"
            """);
        command.SetAction(result => Run([.. result.Tokens.Select(t => t.Value).SkipWhile(v => v != "run").Skip(1)]));
        return command;
    }

    /// <summary>Parses <paramref name="args"/> (what follows <c>run</c>) and runs the script.</summary>
    /// <returns>The script's exit code, or one of <see cref="ScriptExitCodes"/>.</returns>
    public static int Run(string[] args)
    {
        var resolve = new List<string>();
        var device = new Dictionary<string, string>();
        var mapPort = new List<string>();
        string? python = null, code = null, script = null, bak = null, network = null, timeline = null, picture = null;
        long? seed = null;
        bool serve = false, cpython = false;
        int i = 0;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "-h" or "--help" or "-?")
            {
                Console.Out.WriteLine(Usage);
                foreach (Option option in Create().Options)
                {
                    Console.Out.WriteLine($"  {option.Name,-16} {option.Description}");
                }

                Console.Out.WriteLine("SCRIPT's folder (DIR: runs DIR/main.py, else DIR/_main.py) is the device's /usr and the current folder.");
                Console.Out.WriteLine("See docs/scripts.md. Exit codes: the script's own; 1 uncaught exception; 2 usage; 121 misc.Power.powerRestart; 122 misc.Power.powerDown; 123 watchdog (machine.WDT not fed); 125 no Python 3.11+ to embed; 130 Ctrl-C.");
                return ExitCodes.Ok;
            }

            if (a == "--serve-example")
            {
                serve = true;
            }
            else if (a == "--cpython-semantics")
            {
                cpython = true;
            }
            else if (a is "--resolve" or "--map-port" or "--bak" or "--python" or "-c" or "--imei" or "--uart" or "--attach-ms" or "--network" or "--seed" or "--timeline" or "--picture")
            {
                if (i + 1 >= args.Length)
                {
                    return UsageError($"{a} needs a value");
                }

                string value = args[++i];
                if (a is "--imei" or "--uart" or "--attach-ms")
                {
                    string? bad = AddDevice(device, a, value);
                    if (bad is not null)
                    {
                        return UsageError(bad);
                    }
                }
                else if (a == "--network")
                {
                    network = value;
                }
                else if (a == "--timeline")
                {
                    timeline = value;
                }
                else if (a == "--picture")
                {
                    picture = value;
                }
                else if (a == "--seed")
                {
                    if (!long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long n))
                    {
                        return UsageError($"--seed takes an integer, not '{value}'");
                    }

                    seed = n;
                }
                else if (a == "--resolve")
                {
                    resolve.Add(value);
                }
                else if (a == "--map-port")
                {
                    mapPort.Add(value);
                }
                else if (a == "--bak")
                {
                    bak = value;
                }
                else if (a == "--python")
                {
                    python = value;
                }
                else
                {
                    code = value;
                    i++;
                    break;
                }
            }
            else if (a.StartsWith("--resolve=", StringComparison.Ordinal))
            {
                resolve.Add(a["--resolve=".Length..]);
            }
            else if (a.StartsWith("--map-port=", StringComparison.Ordinal))
            {
                mapPort.Add(a["--map-port=".Length..]);
            }
            else if (a.StartsWith("--bak=", StringComparison.Ordinal))
            {
                bak = a["--bak=".Length..];
            }
            else if (a.StartsWith("--python=", StringComparison.Ordinal))
            {
                python = a["--python=".Length..];
            }
            else if (a == "--")
            {
                i++;
                if (i < args.Length)
                {
                    script = args[i++];
                }

                break;
            }
            else if (a.StartsWith('-') && a != "-")
            {
                return UsageError($"unknown option '{a}'");
            }
            else
            {
                script = a;
                i++;
                break;
            }
        }

        if (network is null && (seed is not null || timeline is not null || picture is not null))
        {
            return UsageError("--seed, --timeline and --picture go with --network FILE");
        }

        using LocalHttpServer? server = serve ? LocalHttpServer.Start() : null;
        if (server is not null)
        {
            Console.Error.WriteLine($"usock: serving {ExampleCommand.DocumentedHost}/News from http://127.0.0.1:{server.Port} (a local stand-in)");
            resolve.Add($"{ExampleCommand.DocumentedHost}:80=127.0.0.1:{server.Port}");
        }

        Console.Out.Flush();
        int rc = ScriptHost.Run(
            new ScriptRunOptions { Script = script, Code = code, Arguments = args[i..], Python = python, Resolve = resolve, MapPort = mapPort, Bak = bak, Device = device, Network = network, Seed = seed, Timeline = timeline, Picture = picture, CPythonSemantics = cpython },
            Console.Error);
        ScriptHost.ExitNow(rc); // the interpreter is not finalized: that would take most of a second
        return rc;
    }

    /// <summary>Adds a device setting (<c>--imei</c>, <c>--uart N=SPEC</c>, <c>--attach-ms</c>); the error, or null.</summary>
    private static string? AddDevice(Dictionary<string, string> device, string option, string value)
    {
        switch (option)
        {
            case "--imei":
                if (value.Length == 0)
                {
                    return "--imei needs a value";
                }

                device["imei"] = value;
                return null;
            case "--attach-ms":
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int ms))
                {
                    return $"--attach-ms takes milliseconds (0 or more), not '{value}'";
                }

                device["attach_ms"] = ms.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return null;
            default:
                int eq = value.IndexOf('=', StringComparison.Ordinal);
                string spec = eq < 0 ? "" : value[(eq + 1)..];
                if (eq != 1 || value[0] is < '0' or > '4' || !(spec is "stdio" or "pty" or "none" || spec.StartsWith("tcp:", StringComparison.Ordinal)))
                {
                    return $"--uart takes N=SPEC (N 0 to 4; SPEC tcp:HOST:PORT, stdio, pty or none), not '{value}'";
                }

                device["uart" + value[0]] = spec;
                return null;
        }
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"usock: {message}");
        Console.Error.WriteLine(Usage);
        return ExitCodes.Usage;
    }
}
