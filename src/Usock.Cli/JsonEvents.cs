using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Usock.Cli;

/// <summary>
/// <c>--json</c>: one JSON object per event, one per line, each with <c>event</c> (its name) and <c>time</c>
/// (UTC, ISO 8601 with microseconds) first. The events and their fields are listed in docs/cli.md.
/// </summary>
internal static class JsonEvents
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // readable quotes and non-ASCII; still valid JSON
    };

    /// <summary>One event as a line of JSON (without the newline).</summary>
    /// <param name="name">The event's name, e.g. <c>connected</c>.</param>
    /// <param name="fields">Writes the event's other fields, or <c>null</c>.</param>
    public static string Line(string name, Action<Utf8JsonWriter>? fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("event", name);
            w.WriteString("time", DateTime.UtcNow.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture));
            fields?.Invoke(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes <c>"address"</c> and <c>"port"</c> (with an optional prefix, e.g. <c>local_</c>).</summary>
    public static void WriteAddress(Utf8JsonWriter w, (string Host, int Port) address, string prefix = "")
    {
        w.WriteString(prefix + "address", address.Host);
        w.WriteNumber(prefix + "port", address.Port);
    }
}
