namespace Usock.Chaos;

/// <summary>What a fault does. See docs/faults.md for each one's level (proxy or namespace link) and an example.</summary>
public enum FaultKind
{
    /// <summary>Delays every chunk by <see cref="Fault.Duration"/> ± <see cref="Fault.Jitter"/>.</summary>
    Latency,

    /// <summary>Caps the rate at <see cref="Fault.BytesPerSecond"/>.</summary>
    Bandwidth,

    /// <summary>Splits every write into pieces of <see cref="Fault.Bytes"/>, <see cref="Fault.Duration"/> apart.</summary>
    Slicer,

    /// <summary>Stops forwarding; closes the connection (FIN both ways) after <see cref="Fault.Duration"/> (zero: never).</summary>
    Timeout,

    /// <summary>Resets both sides (RST) after <see cref="Fault.Duration"/> or after <see cref="Fault.Bytes"/> bytes.</summary>
    ResetPeer,

    /// <summary>Delays the FIN by <see cref="Fault.Duration"/> when a side closes.</summary>
    SlowClose,

    /// <summary>Forwards at most <see cref="Fault.Bytes"/> bytes, then closes the connection.</summary>
    LimitData,

    /// <summary>While active: new connections are refused and existing ones are reset.</summary>
    Down,

    /// <summary>A connection idle for <see cref="Fault.Duration"/> is silently dropped: nothing passes, nothing is answered.</summary>
    NatIdle,

    /// <summary>While active (its schedule window): new connections are refused and existing ones vanish silently.</summary>
    Outage,

    /// <summary>While active: the upstream host name does not resolve, so new connections are closed at once.</summary>
    DnsFailure,

    /// <summary>Drops datagrams with the probability <see cref="Fault.Toxicity"/> (UDP at the proxy; TCP only on a <see cref="ChaosLink"/>).</summary>
    Loss,
}

/// <summary>Which way a fault acts: the program's data to its peer (up), the peer's data to the program (down), or both.</summary>
public enum FaultDirection
{
    /// <summary>Both directions.</summary>
    Both,

    /// <summary>From the program (the proxy's client) to its peer (the upstream).</summary>
    Upstream,

    /// <summary>From the peer (the upstream) back to the program.</summary>
    Downstream,
}

/// <summary>
/// One fault of a <see cref="ChaosProxy"/>: what (<see cref="Kind"/>), its parameters, which way, how likely, and when.
/// Make one with the factory methods (<see cref="Latency"/>, <see cref="NatIdle"/>, ...) or <see cref="FaultText.Parse"/>,
/// and adjust it with <c>with { Direction = ..., Toxicity = ..., Start = ..., Length = ... }</c>.
/// </summary>
public sealed record Fault
{
    /// <summary>What the fault does.</summary>
    public required FaultKind Kind { get; init; }

    /// <summary>Which direction it acts on (<see cref="FaultDirection.Both"/> by default).</summary>
    public FaultDirection Direction { get; init; } = FaultDirection.Both;

    /// <summary>
    /// The probability (0..1) that the fault applies to a given connection (drawn once per connection from the
    /// proxy's seed, so a run repeats), or for <see cref="FaultKind.Loss"/>, to a given datagram. 1 by default.
    /// </summary>
    public double Toxicity { get; init; } = 1.0;

    /// <summary>The fault's time parameter: delay, idle time, stall time, time before a reset, FIN delay.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>For <see cref="FaultKind.Latency"/>: the delay varies uniformly by up to this much either way.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>The fault's size parameter: slice size, bytes before a reset, the data limit.</summary>
    public long Bytes { get; init; }

    /// <summary>For <see cref="FaultKind.Bandwidth"/>: the rate cap in bytes per second.</summary>
    public long BytesPerSecond { get; init; }

    /// <summary>When the fault starts, from the proxy's start; null: as soon as it is added.</summary>
    public TimeSpan? Start { get; init; }

    /// <summary>How long it lasts from its start; null: until removed.</summary>
    public TimeSpan? Length { get; init; }

    /// <summary>An optional name, shown in the timeline and by the control surface.</summary>
    public string? Name { get; init; }

    /// <summary>Delay every chunk by <paramref name="delay"/> ± <paramref name="jitter"/>.</summary>
    public static Fault Latency(TimeSpan delay, TimeSpan jitter = default) => new() { Kind = FaultKind.Latency, Duration = delay, Jitter = jitter };

    /// <summary>Cap the rate at <paramref name="bytesPerSecond"/>.</summary>
    public static Fault Bandwidth(long bytesPerSecond) => new() { Kind = FaultKind.Bandwidth, BytesPerSecond = bytesPerSecond };

    /// <summary>Split writes into <paramref name="bytes"/>-byte pieces, <paramref name="delay"/> apart.</summary>
    public static Fault Slicer(long bytes, TimeSpan delay = default) => new() { Kind = FaultKind.Slicer, Bytes = bytes, Duration = delay };

    /// <summary>Stop forwarding, and close after <paramref name="closeAfter"/> (zero: hold forever).</summary>
    public static Fault Timeout(TimeSpan closeAfter) => new() { Kind = FaultKind.Timeout, Duration = closeAfter };

    /// <summary>Reset both sides after <paramref name="after"/> (from the connection's start or the fault's, whichever is later).</summary>
    public static Fault ResetAfter(TimeSpan after) => new() { Kind = FaultKind.ResetPeer, Duration = after };

    /// <summary>Reset both sides once <paramref name="bytes"/> bytes have passed (in the fault's direction).</summary>
    public static Fault ResetAfterBytes(long bytes) => new() { Kind = FaultKind.ResetPeer, Bytes = bytes };

    /// <summary>Delay each FIN by <paramref name="delay"/>.</summary>
    public static Fault SlowClose(TimeSpan delay) => new() { Kind = FaultKind.SlowClose, Duration = delay };

    /// <summary>Forward at most <paramref name="bytes"/> bytes, then close.</summary>
    public static Fault LimitData(long bytes) => new() { Kind = FaultKind.LimitData, Bytes = bytes };

    /// <summary>Refuse new connections and reset existing ones.</summary>
    public static Fault Down() => new() { Kind = FaultKind.Down };

    /// <summary>Drop connections idle for <paramref name="idle"/>, silently.</summary>
    public static Fault NatIdle(TimeSpan idle) => new() { Kind = FaultKind.NatIdle, Duration = idle };

    /// <summary>The data call is gone from <paramref name="start"/> (from the proxy's start) for <paramref name="length"/>.</summary>
    public static Fault Outage(TimeSpan start, TimeSpan length) => new() { Kind = FaultKind.Outage, Start = start, Length = length };

    /// <summary>The upstream name does not resolve.</summary>
    public static Fault DnsFailure() => new() { Kind = FaultKind.DnsFailure };

    /// <summary>Drop each datagram with probability <paramref name="probability"/> (UDP).</summary>
    public static Fault Loss(double probability) => new() { Kind = FaultKind.Loss, Toxicity = probability };

    /// <summary>Throws an <see cref="ArgumentException"/> naming what is wrong with this fault's parameters.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Check(Enum.IsDefined(Kind), $"unknown fault kind {(int)Kind}");
        Check(Enum.IsDefined(Direction), $"unknown direction {(int)Direction}");
        Check(Toxicity is >= 0 and <= 1, $"toxicity must be between 0 and 1, not {Toxicity}");
        Check(Duration >= TimeSpan.Zero && Jitter >= TimeSpan.Zero, "durations must not be negative");
        Check(Bytes >= 0 && BytesPerSecond >= 0, "sizes and rates must not be negative");
        Check(Start is null || Start >= TimeSpan.Zero, "a fault's start must not be negative");
        Check(Length is null || Length > TimeSpan.Zero, "a fault's length must be positive");
        switch (Kind)
        {
            case FaultKind.Latency:
                Check(Jitter <= Duration, "latency jitter must not exceed the latency");
                break;
            case FaultKind.Bandwidth:
                Check(BytesPerSecond > 0, "bandwidth must be positive");
                break;
            case FaultKind.Slicer:
                Check(Bytes > 0, "slice size must be positive");
                break;
            case FaultKind.ResetPeer:
                Check(Duration > TimeSpan.Zero || Bytes > 0, "reset needs a time or a byte count");
                break;
            case FaultKind.LimitData:
                Check(Bytes > 0, "the data limit must be positive");
                break;
            case FaultKind.NatIdle:
                Check(Duration > TimeSpan.Zero, "the NAT idle time must be positive");
                break;
            case FaultKind.Outage:
                Check(Length is not null, "an outage needs a length");
                break;
            default:
                break;
        }
    }

    /// <summary>The fault's name in the timeline and on the command line: <c>latency</c>, <c>nat_idle</c>, ...</summary>
    public string KindName => KindNames[(int)Kind];

    internal static readonly string[] KindNames =
        ["latency", "bandwidth", "slicer", "timeout", "reset_peer", "slow_close", "limit_data", "down", "nat_idle", "outage", "dns_failure", "loss"];

    /// <summary>True when the fault acts on <paramref name="upstream"/>'s direction.</summary>
    public bool Covers(bool upstream) => Direction == FaultDirection.Both || (Direction == FaultDirection.Upstream) == upstream;
}
