using System.Diagnostics;
using System.Globalization;
using System.Text;
using Usock.Loopback;

// Side-by-side loopback runs: each scenario for Usock, raw .NET sockets and CPython's socket module,
// alternately in one run, client and server in separate processes. See docs/performance.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length >= 1 && args[0] == "serve")
{
    Scenarios.Serve(Impl(args[1]), args[2], Sizes.Parse(args, 3), Console.Out);
    return 0;
}

if (args.Length >= 1 && args[0] == "client")
{
    Scenarios.Client(Impl(args[1]), args[2], int.Parse(args[3]), Sizes.Parse(args, 4), Console.Out);
    return 0;
}

if (args.Length >= 1 && args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: Usock.Loopback [--repeat N] [--pin CPU] [--quick] [--scenarios bulk,pingpong,connect,udp,lines,many] [--impls usock,raw,cpython,usock-portable] [--markdown FILE]");
    return 0;
}

int repeat = 5;
string? pin = null;
Sizes sizes = Sizes.Full;
string[] scenarios = Scenarios.All;
string[] impls = ["usock", "raw", "cpython"];
string? markdown = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--repeat": repeat = int.Parse(args[++i]); break;
        case "--pin": pin = args[++i]; break;
        case "--quick": sizes = Sizes.Quick; break;
        case "--scenarios": scenarios = args[++i].Split(','); break;
        case "--impls": impls = args[++i].Split(','); break;
        case "--markdown": markdown = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

string python = Environment.GetEnvironmentVariable("PYTHON") ?? "python3";
string peerPy = Path.Combine(AppContext.BaseDirectory, "python", "peer.py");
var results = new Dictionary<(string Scenario, string Impl), List<double>>();
var overflows = new Dictionary<string, long>();
Console.WriteLine($"# {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, {(pin is null ? "not pinned" : $"pinned to CPU {pin}")}, {repeat} repetitions");
for (int rep = 0; rep < repeat; rep++)
{
    foreach (string scenario in scenarios)
    {
        // Rotate the order every repetition so no implementation always runs first (or on a warm cache).
        for (int k = 0; k < impls.Length; k++)
        {
            string impl = impls[(k + rep) % impls.Length];
            long before = scenario == "connect" ? ListenOverflows() : 0;
            double value = RunOnce(impl, scenario);
            if (scenario == "connect")
            {
                overflows[impl] = overflows.GetValueOrDefault(impl) + ListenOverflows() - before;
            }

            CollectionsMarshal(results, (scenario, impl)).Add(value);
            Console.WriteLine($"  rep {rep + 1} {scenario,-9} {impl,-8} {value,12:F2} {Scenarios.Unit(scenario)}");
        }
    }
}

var table = new StringBuilder();
string[] shown = impls.OrderBy(i => Array.IndexOf(["usock", "raw", "cpython", "usock-portable"], i)).ToArray();
table.Append("| scenario | unit |");
foreach (string impl in shown)
{
    table.Append($" {Title(impl)} median (min–max) |");
}

table.AppendLine(" Usock / raw | Usock / CPython |");
table.AppendLine("|---|---|" + string.Concat(Enumerable.Repeat("---|", shown.Length)) + "---|---|");
foreach (string scenario in scenarios)
{
    string Cell(string impl) => results.TryGetValue((scenario, impl), out List<double>? v)
        ? $"{Median(v):F2} ({v.Min():F2}–{v.Max():F2})"
        : "–";
    string Ratio(string a, string b) => results.TryGetValue((scenario, a), out List<double>? x) && results.TryGetValue((scenario, b), out List<double>? y)
        ? $"{Median(x) / Median(y):F3}"
        : "–";
    table.Append($"| {scenario} | {Scenarios.Unit(scenario)} |");
    foreach (string impl in shown)
    {
        table.Append($" {Cell(impl)} |");
    }

    table.AppendLine($" {Ratio("usock", "raw")} | {Ratio("usock", "cpython")} |");
}

Console.WriteLine();
Console.Write(table);
if (overflows.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("ListenOverflows during connect runs: " + string.Join(", ", overflows.Select(kv => $"{kv.Key} {kv.Value}")));
}

if (markdown is not null)
{
    File.WriteAllText(markdown, table.ToString());
}

return 0;

double RunOnce(string impl, string scenario)
{
    using Process server = Start(impl, "serve", scenario, null);
    string? portLine = server.StandardOutput.ReadLine();
    if (portLine is null || !portLine.StartsWith("PORT ", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"{impl} {scenario} server did not start: {server.StandardError.ReadToEnd()}");
    }

    using Process client = Start(impl, "client", scenario, portLine[5..]);
    string clientOut = client.StandardOutput.ReadToEnd();
    string serverOut = server.StandardOutput.ReadToEnd();
    if (!client.WaitForExit(600_000) || !server.WaitForExit(60_000))
    {
        throw new TimeoutException($"{impl} {scenario} did not finish");
    }

    if (client.ExitCode != 0 || server.ExitCode != 0)
    {
        throw new InvalidOperationException($"{impl} {scenario} failed: client {client.ExitCode} {client.StandardError.ReadToEnd()} server {server.ExitCode} {server.StandardError.ReadToEnd()}");
    }

    foreach (string note in (clientOut + serverOut).Split('\n').Where(l => l.StartsWith("NOTE ", StringComparison.Ordinal)))
    {
        Console.WriteLine($"    {impl}: {note[5..]}");
    }

    string line = (clientOut + serverOut).Split('\n').First(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
    return double.Parse(line[7..], CultureInfo.InvariantCulture);
}

Process Start(string impl, string role, string scenario, string? port)
{
    var argv = new List<string>();
    if (impl == "cpython")
    {
        argv.Add(python);
        argv.Add(peerPy);
    }
    else
    {
        argv.Add(Path.Combine(AppContext.BaseDirectory, "Usock.Loopback"));
    }

    argv.Add(role);
    if (impl != "cpython")
    {
        argv.Add(impl == "usock-portable" ? "usock" : impl);
    }

    argv.Add(scenario);
    if (port is not null)
    {
        argv.Add(port);
    }

    argv.AddRange(sizes.Args.Split(' '));
    if (pin is not null)
    {
        argv.InsertRange(0, ["taskset", "-c", pin]);
    }

    var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (string a in argv.Skip(1))
    {
        psi.ArgumentList.Add(a);
    }

    psi.Environment["DOTNET_TieredPGO"] = "1";
    if (impl == "usock-portable")
    {
        psi.Environment["USOCK_NATIVE"] = "0"; // Usock without its Linux fast path: .NET's Socket methods underneath
    }
    return Process.Start(psi)!;
}

static string Title(string impl) => impl switch
{
    "usock" => "Usock",
    "raw" => "raw .NET",
    "cpython" => "CPython",
    "usock-portable" => "Usock portable path",
    _ => impl,
};

static IImpl Impl(string name) => name switch
{
    "usock" => new UsockImpl(),
    "raw" => new RawImpl(),
    _ => throw new ArgumentException($"unknown implementation {name}"),
};

static double Median(List<double> v)
{
    var s = v.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static long ListenOverflows()
{
    string[] lines = File.ReadAllLines("/proc/net/netstat");
    string[] names = lines[0].Split(' ');
    string[] values = lines[1].Split(' ');
    int at = Array.IndexOf(names, "ListenOverflows");
    return at < 0 ? 0 : long.Parse(values[at], CultureInfo.InvariantCulture);
}

static List<double> CollectionsMarshal(Dictionary<(string, string), List<double>> d, (string, string) key)
{
    if (!d.TryGetValue(key, out List<double>? list))
    {
        d[key] = list = [];
    }

    return list;
}
