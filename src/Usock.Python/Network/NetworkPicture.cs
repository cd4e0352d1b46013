using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Usock.Python.Network;

/// <summary>
/// The run as a picture (<c>--picture FILE</c>): one self-contained HTML page (no network, no files beside it) that
/// draws, on the timeline's clock, the modem's state as a band (data call up or down), the scenario's events and
/// conditions, each connection of the program as a bar (ended by a close, or by what the network did to it), the
/// errors the program got, and the summary.
/// </summary>
internal static class NetworkPicture
{
    private static readonly string[] Ends = ["close", "vanished", "nat_drop", "reset"];

    /// <summary>The page for a run's timeline.</summary>
    public static string Render(IReadOnlyList<TimelineEntry> entries, TimeSpan end, string summary)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("end", Seconds(end));
            w.WriteString("summary", summary);
            w.WriteStartArray("modem");
            double from = 0;
            bool up = true;
            foreach (TimelineEntry e in entries.Where(e => e.Source == "modem" && e.Event is "data_call_down" or "data_call_up"))
            {
                Band(w, from, Seconds(e.Time), up);
                (from, up) = (Seconds(e.Time), e.Event == "data_call_up");
            }

            Band(w, from, Seconds(end), up);
            w.WriteEndArray();
            w.WriteStartArray("events");
            foreach (TimelineEntry e in entries.Where(e => e.Source == "scenario" || (e.Source == "modem" && e.Event == "cfun")))
            {
                w.WriteStartObject();
                w.WriteNumber("t", Seconds(e.Time));
                w.WriteString("label", e.Event + (e.Value is { } v ? $" {v}" : "") + (e.Detail is { } d ? $" {d}" : ""));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("conns");
            foreach (TimelineEntry c in entries.Where(e => e is { Source: "socket", Event: "connect", Conn: not null }))
            {
                TimelineEntry? last = entries.FirstOrDefault(e => e.Conn == c.Conn && Array.IndexOf(Ends, e.Event) >= 0);
                w.WriteStartObject();
                w.WriteNumber("id", c.Conn!.Value);
                w.WriteString("peer", c.Peer);
                w.WriteNumber("from", Seconds(c.Time));
                w.WriteNumber("to", Seconds(last?.Time ?? end));
                w.WriteString("end", last?.Event ?? "open");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("errors");
            foreach (TimelineEntry e in entries.Where(e => e.Source == "socket" && e.Errno is not null))
            {
                w.WriteStartObject();
                w.WriteNumber("t", Seconds(e.Time));
                w.WriteString("label", $"{e.Event} {e.Errno}");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        // Utf8JsonWriter escapes <, > and & by default: the data cannot end the script element.
        return Page.Replace("/*DATA*/null", Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
    }

    private static void Band(Utf8JsonWriter w, double from, double to, bool up)
    {
        if (to > from)
        {
            w.WriteStartObject();
            w.WriteNumber("from", from);
            w.WriteNumber("to", to);
            w.WriteBoolean("up", up);
            w.WriteEndObject();
        }
    }

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 3);

    private const string Page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>usock run --network</title>
        <style>
        body { font: 13px sans-serif; margin: 16px; background: #fff; color: #222; }
        .up { fill: #2ca02c; } .down { fill: #d62728; } .conn rect { fill: #1f77b4; }
        .conn rect.end-vanished, .conn rect.end-nat_drop, .conn rect.end-reset { fill: #ff7f0e; } .error { fill: #9467bd; }
        .event line { stroke: #555; stroke-dasharray: 3 3; } text { font-size: 11px; }
        #summary { font-weight: bold; margin: 8px 0; }
        </style></head><body>
        <h1>usock run --network</h1>
        <div id="summary"></div>
        <svg id="picture" xmlns="http://www.w3.org/2000/svg"></svg>
        <script>
        const run = /*DATA*/null;
        const ns = 'http://www.w3.org/2000/svg', svg = document.getElementById('picture');
        const left = 150, width = 900, row = 26, end = Math.max(run.end, 0.001);
        const x = t => left + width * t / end;
        const el = (name, attrs, parent, text) => {
          const e = document.createElementNS(ns, name);
          for (const k in attrs) e.setAttribute(k, attrs[k]);
          if (text !== undefined) e.textContent = text;
          (parent || svg).appendChild(e);
          return e;
        };
        document.getElementById('summary').textContent = run.summary;
        let y = 20;
        el('text', { x: 4, y: y + 14 }, svg, 'data call');
        const band = el('g', { id: 'modem-band' });
        for (const b of run.modem) el('rect', { class: 'modem ' + (b.up ? 'up' : 'down'), x: x(b.from), y: y, width: Math.max(1, x(b.to) - x(b.from)), height: 20 }, band);
        y += row;
        el('text', { x: 4, y: y + 14 }, svg, 'errors');
        for (const e of run.errors) el('circle', { class: 'error', cx: x(e.t), cy: y + 10, r: 5 }).appendChild(document.createElementNS(ns, 'title')).textContent = e.label;
        y += row;
        const conns = el('g', { id: 'connections' });
        for (const c of run.conns) {
          const g = el('g', { class: 'conn', 'data-conn': c.id }, conns);
          el('text', { x: 4, y: y + 14 }, g, 'conn ' + c.id + ' ' + c.peer);
          el('rect', { x: x(c.from), y: y, width: Math.max(2, x(c.to) - x(c.from)), height: 18 }, g);
          if (c.end !== 'close' && c.end !== 'open') el('rect', { class: 'end-' + c.end, x: x(c.to) - 4, y: y - 2, width: 8, height: 22 }, g).appendChild(document.createElementNS(ns, 'title')).textContent = c.end;
          y += row;
        }
        const events = el('g', { id: 'events' });
        run.events.forEach((e, i) => {
          const g = el('g', { class: 'event' }, events);
          el('line', { x1: x(e.t), x2: x(e.t), y1: 16, y2: y }, g);
          el('text', { x: x(e.t) + 2, y: y + 14 + 13 * (i % 4) }, g, e.label);
        });
        y += 14 + 13 * 4;
        for (let t = 0; t <= 10; t++) el('text', { x: x(end * t / 10) - 8, y: y + 12 }, svg, (end * t / 10).toFixed(1) + ' s');
        svg.setAttribute('width', left + width + 120);
        svg.setAttribute('height', y + 24);
        </script></body></html>
        """;
}
