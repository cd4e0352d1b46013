using System.Globalization;
using System.Text;

namespace Usock.Chaos;

/// <summary>
/// The textual form of faults, shared by the command line, the scenario file and the control surface:
/// durations (<c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>250us</c>, a plain number is seconds), sizes
/// (<c>10B</c>, <c>64KB</c>, <c>1MB</c>, <c>1GB</c>; K, M, G are powers of 1024), rates (<c>64KB/s</c>), and a
/// fault as a line: <c>KIND [VALUE] [dir=up|down|both] [toxicity=P] [start=T] [length=T] [name=N]</c>.
/// Anything else is an <see cref="ArgumentException"/> whose message says what was expected.
/// </summary>
public static class FaultText
{
    private static readonly (string Suffix, double Seconds)[] TimeUnits = [("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)];
    private static readonly (string Suffix, long Bytes)[] SizeUnits =
        [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("B", 1)];

    /// <summary>Parses a duration such as <c>100ms</c>, <c>5s</c>, <c>2m</c>, or a number of seconds.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        double scale = 1;
        foreach ((string suffix, double seconds) in TimeUnits)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && !(suffix == "s" && (t.EndsWith("ms", StringComparison.OrdinalIgnoreCase) || t.EndsWith("us", StringComparison.OrdinalIgnoreCase))))
            {
                t = t[..^suffix.Length];
                scale = seconds;
                break;
            }
        }

        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) || double.IsNaN(n) || n * scale > int.MaxValue)
        {
            throw new ArgumentException($"'{text}' is not a duration (such as 100ms, 5s, 2m, or a number of seconds)");
        }

        return TimeSpan.FromSeconds(n * scale);
    }

    /// <summary>True when <paramref name="text"/> looks like a size (ends in B, K, M or G units) rather than a duration.</summary>
    public static bool IsSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.TrimEnd().EndsWith('B') || text.TrimEnd().EndsWith('K') || text.TrimEnd().EndsWith('M') || text.TrimEnd().EndsWith('G');
    }

    /// <summary>Parses a size such as <c>10B</c>, <c>64KB</c>, <c>1MB</c> (K, M, G = 1024, 1024², 1024³) or a plain number of bytes.</summary>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        long scale = 1;
        foreach ((string suffix, long bytes) in SizeUnits)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                t = t[..^suffix.Length];
                scale = bytes;
                break;
            }
        }

        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) || double.IsNaN(n) || n * scale > long.MaxValue / 2)
        {
            throw new ArgumentException($"'{text}' is not a size (such as 10B, 64KB, 1MB)");
        }

        return (long)(n * scale);
    }

    /// <summary>Parses a rate such as <c>64KB/s</c> (bytes per second).</summary>
    public static long ParseRate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (!t.EndsWith("/s", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{text}' is not a rate (such as 64KB/s)");
        }

        return ParseSize(t[..^2]);
    }

    /// <summary>Parses a probability between 0 and 1.</summary>
    public static double ParseProbability(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double p) || p is < 0 or > 1)
        {
            throw new ArgumentException($"'{text}' is not a probability between 0 and 1");
        }

        return p;
    }

    /// <summary>Parses a direction: <c>up</c>, <c>down</c> or <c>both</c>.</summary>
    public static FaultDirection ParseDirection(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "up" or "upstream" => FaultDirection.Upstream,
        "down" or "downstream" => FaultDirection.Downstream,
        "both" => FaultDirection.Both,
        _ => throw new ArgumentException($"'{text}' is not a direction (up, down or both)"),
    };

    /// <summary>
    /// Builds a fault of the kind named <paramref name="kind"/> (<c>latency</c>, <c>bandwidth</c>, <c>slicer</c>,
    /// <c>timeout</c>, <c>reset</c>, <c>slow_close</c>, <c>limit</c>, <c>down</c>, <c>nat_idle</c>, <c>outage</c>,
    /// <c>dns</c>, <c>loss</c>; dashes or underscores) from its value, as the command line writes it.
    /// </summary>
    public static Fault FromValue(string kind, string? value)
    {
        ArgumentNullException.ThrowIfNull(kind);
        string k = kind.Trim().ToLowerInvariant().Replace('-', '_');
        string v = value?.Trim() ?? "";
        string Need(string what) => v.Length > 0 ? v : throw new ArgumentException($"{k} needs a value: {what}");
        Fault f = k switch
        {
            "latency" => Latency(Need("DELAY[~JITTER], e.g. 100ms~20ms")),
            "bandwidth" => Fault.Bandwidth(ParseRate(Need("RATE, e.g. 64KB/s"))),
            "slicer" => Slicer(Need("SIZE[/DELAY], e.g. 10B/1ms")),
            "timeout" or "timeout_after" => Fault.Timeout(ParseDuration(Need("DURATION, e.g. 5s"))),
            "reset" or "reset_after" or "reset_peer" => IsSize(Need("SIZE or DURATION, e.g. 10KB or 5s"))
                ? Fault.ResetAfterBytes(ParseSize(v)) : Fault.ResetAfter(ParseDuration(v)),
            "slow_close" => Fault.SlowClose(ParseDuration(Need("DURATION, e.g. 2s"))),
            "limit" or "limit_data" => Fault.LimitData(ParseSize(Need("SIZE, e.g. 1MB"))),
            "down" => NoValue(Fault.Down()),
            "nat_idle" => Fault.NatIdle(ParseDuration(Need("DURATION, e.g. 120s"))),
            "outage" => Outage(Need("START+LENGTH, e.g. 10s+30s")),
            "dns" or "dns_failure" => NoValue(Fault.DnsFailure()),
            "loss" => Fault.Loss(ParseProbability(Need("PROBABILITY, e.g. 0.1"))),
            _ => throw new ArgumentException($"unknown fault '{kind}' (latency, bandwidth, slicer, timeout, reset, slow_close, limit, down, nat_idle, outage, dns, loss)"),
        };
        f.Validate();
        return f;

        Fault NoValue(Fault fault) => v.Length == 0 ? fault : throw new ArgumentException($"{k} takes no value, not '{v}'");
    }

    /// <summary>
    /// Parses one fault line: <c>KIND [VALUE] [dir=up|down|both] [toxicity=P] [start=T] [length=T] [name=N]</c>,
    /// e.g. <c>latency 100ms~20ms dir=down</c>, <c>nat_idle 2s</c>, <c>down start=5s length=3s</c>.
    /// </summary>
    public static Fault Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            throw new ArgumentException("empty fault");
        }

        string? value = words.Length > 1 && !words[1].Contains('=', StringComparison.Ordinal) ? words[1] : null;
        Fault f = FromValue(words[0], value);
        foreach (string w in words.Skip(value is null ? 1 : 2))
        {
            int eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"'{w}': expected key=value (dir, toxicity, start, length, name)");
            }

            string key = w[..eq].ToLowerInvariant();
            string val = w[(eq + 1)..];
            f = key switch
            {
                "dir" or "direction" => f with { Direction = ParseDirection(val) },
                "toxicity" => f with { Toxicity = ParseProbability(val) },
                "start" => f with { Start = ParseDuration(val) },
                "length" => f with { Length = ParseDuration(val) },
                "name" => f with { Name = val },
                _ => throw new ArgumentException($"unknown setting '{key}' (dir, toxicity, start, length, name)"),
            };
        }

        f.Validate();
        return f;
    }

    /// <summary>The line form of a fault, which <see cref="Parse"/> reads back.</summary>
    public static string Format(Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var sb = new StringBuilder(fault.KindName);
        string? value = fault.Kind switch
        {
            FaultKind.Latency => fault.Jitter > TimeSpan.Zero ? $"{Ms(fault.Duration)}~{Ms(fault.Jitter)}" : Ms(fault.Duration),
            FaultKind.Bandwidth => Inv($"{fault.BytesPerSecond}B/s"),
            FaultKind.Slicer => Inv($"{fault.Bytes}B/{Ms(fault.Duration)}"),
            FaultKind.Timeout or FaultKind.SlowClose or FaultKind.NatIdle => Ms(fault.Duration),
            FaultKind.ResetPeer => fault.Bytes > 0 ? Inv($"{fault.Bytes}B") : Ms(fault.Duration),
            FaultKind.LimitData => Inv($"{fault.Bytes}B"),
            FaultKind.Outage => $"{Ms(fault.Start ?? TimeSpan.Zero)}+{Ms(fault.Length ?? TimeSpan.Zero)}",
            FaultKind.Loss => fault.Toxicity.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (value is not null)
        {
            sb.Append(' ').Append(value);
        }

        if (fault.Direction != FaultDirection.Both)
        {
            sb.Append(fault.Direction == FaultDirection.Upstream ? " dir=up" : " dir=down");
        }

        if (fault.Kind != FaultKind.Loss && fault.Toxicity < 1)
        {
            sb.Append(Inv($" toxicity={fault.Toxicity}"));
        }

        if (fault.Kind != FaultKind.Outage)
        {
            if (fault.Start is { } s)
            {
                sb.Append(" start=").Append(Ms(s));
            }

            if (fault.Length is { } l)
            {
                sb.Append(" length=").Append(Ms(l));
            }
        }

        if (fault.Name is not null)
        {
            sb.Append(" name=").Append(fault.Name);
        }

        return sb.ToString();
    }

    private static Fault Latency(string v)
    {
        int tilde = v.IndexOf('~', StringComparison.Ordinal);
        return tilde < 0 ? Fault.Latency(ParseDuration(v)) : Fault.Latency(ParseDuration(v[..tilde]), ParseDuration(v[(tilde + 1)..]));
    }

    private static Fault Slicer(string v)
    {
        int slash = v.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? Fault.Slicer(ParseSize(v)) : Fault.Slicer(ParseSize(v[..slash]), ParseDuration(v[(slash + 1)..]));
    }

    private static Fault Outage(string v)
    {
        int plus = v.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0)
        {
            throw new ArgumentException($"outage takes START+LENGTH (e.g. 10s+30s), not '{v}'");
        }

        return Fault.Outage(ParseDuration(v[..plus]), ParseDuration(v[(plus + 1)..]));
    }

    private static string Ms(TimeSpan t) => Inv($"{t.TotalMilliseconds:0.###}ms");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
