using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Usock.Python.Network;

/// <summary>One line of the timeline.</summary>
/// <param name="Time">When, from the start of the run.</param>
/// <param name="Source"><c>scenario</c> (its events and faults), <c>modem</c> (the radio's state, the program's
/// <c>setModemFun</c>) or <c>socket</c> (the program's connections).</param>
/// <param name="Event">What happened.</param>
/// <param name="Conn">The connection's number, for socket events.</param>
/// <param name="Peer">The peer, <c>ip:port</c>.</param>
/// <param name="Errno">The error the program got.</param>
/// <param name="Bytes">The bytes concerned.</param>
/// <param name="Value">A value: the CSQ of a signal change, the modem function.</param>
/// <param name="Detail">More, as text.</param>
internal sealed record TimelineEntry(TimeSpan Time, string Source, string Event, long? Conn, string? Peer, int? Errno, long? Bytes, int? Value, string? Detail);

/// <summary>
/// The run's timeline: JSON lines on one clock, <c>{"time":1.234,"source":"socket","event":"connect","conn":1,"peer":"127.0.0.1:1883"}</c>,
/// written as they happen (to <c>--timeline FILE</c>) and kept for the summary at exit.
/// </summary>
internal sealed class NetworkTimeline(TextWriter? writer)
{
    private readonly object _gate = new();
    private readonly List<TimelineEntry> _entries = [];
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private bool _summarized;

    /// <summary>Everything written so far, in order.</summary>
    public IReadOnlyList<TimelineEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Adds a line.</summary>
    public void Write(TimeSpan time, string source, string evt, long? conn = null, string? peer = null, int? errno = null, long? bytes = null, int? value = null, string? detail = null)
    {
        var e = new TimelineEntry(time, source, evt, conn, peer, errno, bytes, value, detail);
        lock (_gate)
        {
            if (_summarized)
            {
                return; // the run has ended: the summary is the last line
            }

            _entries.Add(e);
            if (writer is not null)
            {
                WriteLine(e, null);
            }
        }
    }

    /// <summary>Writes the summary as the last line (<c>"event":"summary"</c>) and returns it as text for people.</summary>
    public string Summarize(TimeSpan end)
    {
        NetworkSummary s;
        lock (_gate)
        {
            s = NetworkSummary.Of(_entries);
            _summarized = true;
            if (writer is not null)
            {
                WriteLine(new TimelineEntry(end, "run", "summary", null, null, null, s.LostBytes, null, null), s);
                writer.Flush();
            }
        }

        return s.ToString();
    }

    private void WriteLine(TimelineEntry e, NetworkSummary? summary)
    {
        _line.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_line))
        {
            w.WriteStartObject();
            w.WriteNumber("time", Math.Round(e.Time.TotalSeconds, 6));
            w.WriteString("source", e.Source);
            w.WriteString("event", e.Event);
            if (e.Conn is { } c)
            {
                w.WriteNumber("conn", c);
            }

            if (e.Peer is not null)
            {
                w.WriteString("peer", e.Peer);
            }

            if (e.Errno is { } errno)
            {
                w.WriteNumber("errno", errno);
            }

            if (e.Bytes is { } b && summary is null)
            {
                w.WriteNumber("bytes", b);
            }

            if (e.Value is { } v)
            {
                w.WriteNumber("value", v);
            }

            if (e.Detail is not null)
            {
                w.WriteString("detail", e.Detail);
            }

            summary?.WriteTo(w);
            w.WriteEndObject();
        }

        writer!.WriteLine(Encoding.UTF8.GetString(_line.WrittenSpan));
        writer.Flush();
    }
}

/// <summary>What a run's timeline adds up to: outages (the data call down), reconnects (connections to a peer the program
/// had connected to before), the time to recover after each outage and each dropped connection, and the bytes the
/// program sent that its peers never received.</summary>
internal sealed record NetworkSummary(IReadOnlyList<double> Outages, int Reconnects, IReadOnlyList<double> Recoveries, long LostBytes)
{
    public static NetworkSummary Of(IReadOnlyList<TimelineEntry> entries)
    {
        var outages = new List<double>();
        var recoveries = new List<double>();
        var seen = new HashSet<string>();
        int reconnects = 0;
        long lost = 0;
        TimeSpan? down = null;
        var waiting = new List<(TimeSpan Since, string? Peer, long? Conn)>(); // disruptions not yet recovered from
        foreach (TimelineEntry e in entries)
        {
            switch (e.Source, e.Event)
            {
                case ("modem", "data_call_down"):
                    down = e.Time;
                    break;
                case ("modem", "data_call_up") when down is { } d:
                    outages.Add((e.Time - d).TotalSeconds);
                    waiting.Add((e.Time, null, null));
                    down = null;
                    break;
                case ("socket", "nat_drop" or "reset" or "vanished"):
                    if (!waiting.Any(w => w.Conn == e.Conn))
                    {
                        waiting.Add((e.Time, e.Peer, e.Conn)); // one disruption per connection (a NAT drop and its reset)
                    }

                    break;
                case ("socket", "connect"):
                    if (!seen.Add(e.Peer ?? ""))
                    {
                        reconnects++;
                    }

                    foreach ((TimeSpan Since, string? Peer, long? Conn) w in waiting.Where(w => w.Peer is null || w.Peer == e.Peer).ToList())
                    {
                        recoveries.Add((e.Time - w.Since).TotalSeconds);
                        waiting.Remove(w);
                    }

                    break;
                case ("socket", "lost"):
                    lost += e.Bytes ?? 0;
                    break;
                default:
                    break;
            }
        }

        return new NetworkSummary(outages, reconnects, recoveries, lost);
    }

    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteNumber("outages", Outages.Count);
        w.WriteStartArray("outage_seconds");
        foreach (double o in Outages)
        {
            w.WriteNumberValue(Math.Round(o, 3));
        }

        w.WriteEndArray();
        w.WriteNumber("reconnects", Reconnects);
        w.WriteStartArray("recovery_seconds");
        foreach (double r in Recoveries)
        {
            w.WriteNumberValue(Math.Round(r, 3));
        }

        w.WriteEndArray();
        w.WriteNumber("lost_bytes", LostBytes);
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"network: {Outages.Count} outage(s), {Reconnects} reconnect(s), recovered after [{string.Join(", ", Recoveries.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture) + " s"))}], {LostBytes} B sent that peers never received");
}
