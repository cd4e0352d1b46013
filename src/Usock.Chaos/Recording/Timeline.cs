using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Usock.Chaos.Recording;

/// <summary>
/// The timeline: one JSON object per line, <c>{"time":1.234567,"conn":3,"dir":"up","event":"fault","fault":"latency","bytes":512}</c>.
/// <c>time</c> is seconds since the proxy started; <c>conn</c> is the connection's number (0 for the proxy itself);
/// <c>dir</c> is <c>up</c> (program to peer), <c>down</c> (peer to program) or null; <c>fault</c> names the fault
/// that acted, or is null; <c>bytes</c> counts the bytes concerned; <c>detail</c>, when present, says more.
/// </summary>
internal sealed class Timeline(TextWriter writer, bool dataEvents)
{
    private readonly object _gate = new();
    private readonly ArrayBufferWriter<byte> _line = new(256);

    /// <summary>Whether every forwarded chunk is logged (<c>data</c> events), not only opens, closes and faults.</summary>
    public bool DataEvents { get; } = dataEvents;

    public void Write(TimeSpan time, long conn, bool? up, string evt, string? fault, long bytes, string? detail = null)
    {
        lock (_gate)
        {
            _line.ResetWrittenCount();
            using (var w = new Utf8JsonWriter(_line))
            {
                w.WriteStartObject();
                w.WriteNumber("time", Math.Round(time.TotalSeconds, 6));
                w.WriteNumber("conn", conn);
                if (up is { } u)
                {
                    w.WriteString("dir", u ? "up" : "down");
                }
                else
                {
                    w.WriteNull("dir");
                }

                w.WriteString("event", evt);
                if (fault is null)
                {
                    w.WriteNull("fault");
                }
                else
                {
                    w.WriteString("fault", fault);
                }

                w.WriteNumber("bytes", bytes);
                if (detail is not null)
                {
                    w.WriteString("detail", detail);
                }

                w.WriteEndObject();
            }

            writer.WriteLine(Encoding.UTF8.GetString(_line.WrittenSpan));
            writer.Flush();
        }
    }
}
