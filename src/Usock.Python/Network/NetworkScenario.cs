using System.Globalization;
using Usock.Chaos;

namespace Usock.Python.Network;

/// <summary>What a radio event does to the modem: see <see cref="RadioEvent"/>.</summary>
internal enum RadioKind
{
    /// <summary>The data call drops (<c>Value</c> 0) or comes back (1); a drop not restored lasts until the program
    /// restarts the radio (modem function 0, then 1), as a stuck data call does.</summary>
    DataCall,

    /// <summary>An outage of the carrier's data service starts (0) or ends (1): a radio restart does not end it.</summary>
    Outage,

    /// <summary>Registration is lost, out of coverage (0), or regained (1); the data call follows.</summary>
    Coverage,

    /// <summary>The signal level changes to the CSQ in <c>Value</c> (0-31, 99 unknown).</summary>
    Signal,

    /// <summary>The modem function is set (0 off, 1 on, 4 airplane), as <c>net.setModemFun</c> would.</summary>
    ModemFun,
}

/// <summary>A timed radio event of a scenario.</summary>
/// <param name="At">When, from the start of the run.</param>
/// <param name="Kind">What happens.</param>
/// <param name="Value">Its value (state, CSQ or modem function).</param>
/// <param name="Line">The scenario line it came from (0: a JSON scenario).</param>
internal sealed record RadioEvent(TimeSpan At, RadioKind Kind, int Value, int Line)
{
    /// <summary>The event's name in the timeline.</summary>
    public string Name => Kind switch
    {
        RadioKind.DataCall => Value == 0 ? "data_call_lost" : "data_call_restored",
        RadioKind.Outage => Value == 0 ? "outage_start" : "outage_end",
        RadioKind.Coverage => Value == 0 ? "coverage_lost" : "coverage_restored",
        RadioKind.Signal => "signal",
        _ => "cfun",
    };
}

/// <summary>
/// A device's network for <c>usock run --network FILE</c>: standing conditions and timed faults (the chaos vocabulary,
/// <see cref="FaultText"/>), radio events, and the seed. One line each; <c>#</c> starts a comment:
/// <code>
/// seed 7
/// latency 80ms~20ms              # a standing condition, from the start
/// nat_idle 5m answer=reset       # answer=silence (default) or reset: what the program's next send meets
/// outage 10s+30s                 # the carrier's data service is gone from 10 s for 30 s (the data call with it)
/// at 1m no_coverage 20s          # registration lost at 1 m for 20 s (the data call with it)
/// at 2m dns_failure length=10s   # any fault line, starting at 2 m
/// at 3m stall 5s                 # nothing passes either way for 5 s
/// at 4m signal 8                 # CSQ 8 (weak)
/// at 5m cfun 0                   # the modem function, as net.setModemFun(0); cfun 1 re-attaches
/// at 6m data_call lost           # until 'data_call restored' or the program restarts the radio; coverage lost / restored
/// start on setCallback           # times count from the program's first dataCall.setCallback (or: start on connect)
/// </code>
/// A chaos scenario file (JSON, <see cref="Scenario"/>) is read too: its faults become conditions, its outages
/// data-call losses.
/// </summary>
internal sealed class NetworkScenario
{
    /// <summary>The seed (<c>seed N</c>), 0 if none.</summary>
    public long? Seed { get; init; }

    /// <summary>Standing conditions and timed faults (<see cref="FaultKind.Outage"/> excluded: those are radio events).</summary>
    public IReadOnlyList<Fault> Faults { get; init; } = [];

    /// <summary>Stall windows: nothing passes either way, nothing closes.</summary>
    public IReadOnlyList<(TimeSpan Start, TimeSpan? Length)> Stalls { get; init; } = [];

    /// <summary>Radio events, in time order.</summary>
    public IReadOnlyList<RadioEvent> Events { get; init; } = [];

    /// <summary>What a program's send meets after a NAT idle drop: a reset (true) or silence.</summary>
    public bool NatAnswersReset { get; init; }

    /// <summary>The program event that starts the scenario's clock (<c>start on setCallback</c> or <c>start on connect</c>),
    /// or null: the clock starts with the program.</summary>
    public string? StartOn { get; init; }

    /// <summary>The program events <c>start on</c> accepts.</summary>
    public static readonly string[] StartMarks = ["setCallback", "connect"];

    /// <summary>Reads a scenario file.</summary>
    /// <exception cref="ArgumentException">Not a valid scenario: the message names the line and what was expected.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static NetworkScenario Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Parses a scenario (the line form, or a chaos scenario's JSON).</summary>
    /// <exception cref="ArgumentException">Not a valid scenario.</exception>
    public static NetworkScenario Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.TrimStart().StartsWith('{') ? FromJson(text) : ParseLines(text);
    }

    // A chaos scenario, with one key of its own: "start_on" ("setCallback" or "connect"), as the line form's 'start on'.
    private static NetworkScenario FromJson(string text)
    {
        System.Text.Json.Nodes.JsonObject? root;
        try
        {
            root = System.Text.Json.Nodes.JsonNode.Parse(text) as System.Text.Json.Nodes.JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return FromChaos(Scenario.Parse(text)); // the chaos parser names what is wrong
        }

        if (root?["start_on"] is not { } node)
        {
            return FromChaos(Scenario.Parse(text));
        }

        string? on = node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : null;
        if (on is null || !StartMarks.Contains(on))
        {
            throw new ArgumentException("\"start_on\" takes \"setCallback\" or \"connect\"");
        }

        root.Remove("start_on");
        NetworkScenario chaos = FromChaos(Scenario.Parse(root.ToJsonString()));
        return new NetworkScenario { Seed = chaos.Seed, Faults = chaos.Faults, Events = chaos.Events, StartOn = on };
    }

    private static NetworkScenario FromChaos(Scenario chaos)
    {
        var faults = new List<Fault>();
        var events = new List<RadioEvent>();
        foreach (Fault f in chaos.Faults)
        {
            if (f.Kind == FaultKind.Outage)
            {
                TimeSpan start = f.Start ?? TimeSpan.Zero;
                events.Add(new RadioEvent(start, RadioKind.Outage, 0, 0));
                events.Add(new RadioEvent(start + f.Length!.Value, RadioKind.Outage, 1, 0));
            }
            else
            {
                faults.Add(f);
            }
        }

        return new NetworkScenario { Seed = chaos.Seed, Faults = faults, Events = [.. events.OrderBy(e => e.At)] };
    }

    private static NetworkScenario ParseLines(string text)
    {
        long? seed = null;
        string? startOn = null;
        bool natReset = false;
        var faults = new List<Fault>();
        var stalls = new List<(TimeSpan, TimeSpan?)>();
        var events = new List<RadioEvent>();
        string[] lines = text.Split('\n');
        for (int n = 1; n <= lines.Length; n++)
        {
            string line = lines[n - 1];
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            string[] words = (hash < 0 ? line : line[..hash]).Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            try
            {
                if (words[0] == "seed")
                {
                    seed = words.Length == 2 && long.TryParse(words[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long s)
                        ? s : throw new ArgumentException("expected 'seed N' with an integer N");
                    continue;
                }

                if (words[0] == "start")
                {
                    startOn = words.Length == 3 && words[1] == "on" && StartMarks.Contains(words[2])
                        ? words[2] : throw new ArgumentException("expected 'start on setCallback' or 'start on connect'");
                    continue;
                }

                TimeSpan? at = null;
                if (words[0] == "at")
                {
                    at = words.Length >= 3 ? FaultText.ParseDuration(words[1]) : throw new ArgumentException("expected 'at TIME EVENT', e.g. 'at 10s outage 30s'");
                    words = words[2..];
                }

                Line(words, at, n, faults, stalls, events, ref natReset);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"line {n}: {e.Message}", e);
            }
        }

        return new NetworkScenario { Seed = seed, Faults = faults, Stalls = stalls, Events = [.. events.OrderBy(e => e.At)], NatAnswersReset = natReset, StartOn = startOn };
    }

    private static void Line(string[] w, TimeSpan? at, int n, List<Fault> faults, List<(TimeSpan, TimeSpan?)> stalls, List<RadioEvent> events, ref bool natReset)
    {
        string kind = w[0].ToLowerInvariant().Replace('-', '_');
        TimeSpan start = at ?? TimeSpan.Zero;
        switch (kind)
        {
            case "outage" or "no_coverage":
                (TimeSpan from, TimeSpan length) = Window(w, at, kind);
                RadioKind k = kind == "outage" ? RadioKind.Outage : RadioKind.Coverage;
                events.Add(new RadioEvent(from, k, 0, n));
                events.Add(new RadioEvent(from + length, k, 1, n));
                return;
            case "data_call" or "coverage":
                int state = Arity(w, 2, $"{kind} lost|restored") switch
                {
                    "lost" => 0,
                    "restored" => 1,
                    _ => throw new ArgumentException($"expected '{kind} lost' or '{kind} restored', not '{w[1]}'"),
                };
                events.Add(new RadioEvent(start, kind == "data_call" ? RadioKind.DataCall : RadioKind.Coverage, state, n));
                return;
            case "signal":
                int csq = int.TryParse(Arity(w, 2, "signal CSQ"), NumberStyles.None, CultureInfo.InvariantCulture, out int c) && (c is <= 31 or 99)
                    ? c : throw new ArgumentException($"expected 'signal CSQ' with CSQ 0-31 or 99, not '{w[1]}'");
                events.Add(new RadioEvent(start, RadioKind.Signal, csq, n));
                return;
            case "cfun":
                int fun = Arity(w, 2, "cfun 0|1|4") switch
                {
                    "0" => 0,
                    "1" => 1,
                    "4" => 4,
                    _ => throw new ArgumentException($"expected 'cfun 0', 'cfun 1' or 'cfun 4', not '{w[1]}'"),
                };
                events.Add(new RadioEvent(start, RadioKind.ModemFun, fun, n));
                return;
            case "stall":
                stalls.Add((start, w.Length == 1 ? null : FaultText.ParseDuration(Arity(w, 2, "stall [LENGTH]"))));
                return;
            case "nat_idle":
                string[] rest = [.. w.Where(x => !x.StartsWith("answer=", StringComparison.Ordinal))];
                foreach (string a in w.Except(rest))
                {
                    natReset = a[7..] switch
                    {
                        "reset" => true,
                        "silence" => false,
                        _ => throw new ArgumentException($"expected answer=reset or answer=silence, not '{a}'"),
                    };
                }

                w = rest;
                break;
            default:
                break;
        }

        Fault f = FaultText.Parse(string.Join(' ', w));
        if (at is not null)
        {
            f = f with { Start = at };
        }

        faults.Add(f);
    }

    private static string Arity(string[] w, int count, string form) =>
        w.Length == count ? w[count - 1] : throw new ArgumentException($"expected '{form}'");

    private static (TimeSpan From, TimeSpan Length) Window(string[] w, TimeSpan? at, string kind)
    {
        string v = Arity(w, 2, at is null ? $"{kind} START+LENGTH" : $"at TIME {kind} LENGTH");
        int plus = v.IndexOf('+', StringComparison.Ordinal);
        if (at is not null)
        {
            return plus < 0 ? (at.Value, Positive(FaultText.ParseDuration(v))) : throw new ArgumentException($"expected 'at TIME {kind} LENGTH', not '{v}'");
        }

        return plus < 0
            ? throw new ArgumentException($"expected '{kind} START+LENGTH' (e.g. 10s+30s) or 'at TIME {kind} LENGTH', not '{v}'")
            : (FaultText.ParseDuration(v[..plus]), Positive(FaultText.ParseDuration(v[(plus + 1)..])));
    }

    private static TimeSpan Positive(TimeSpan t) => t > TimeSpan.Zero ? t : throw new ArgumentException("a length must be positive");
}
