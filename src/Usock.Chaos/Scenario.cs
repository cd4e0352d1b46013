using System.Globalization;
using System.Text.Json;

namespace Usock.Chaos;

/// <summary>
/// A scenario file: the seed and a list of faults with their schedule, as JSON.
/// <code>
/// {
///   "seed": 7,
///   "faults": [
///     { "fault": "latency", "value": "80ms~20ms", "direction": "down" },
///     { "fault": "nat_idle", "value": "3s", "start": "0s", "length": "20s" },
///     { "fault": "outage", "value": "25s+5s" },
///     "reset 64KB dir=up toxicity=0.5"
///   ]
/// }
/// </code>
/// Each fault is an object (<c>fault</c>, optional <c>value</c>, <c>direction</c>, <c>toxicity</c>, <c>start</c>,
/// <c>length</c>, <c>name</c>) or a string in the form <see cref="FaultText.Parse"/> reads.
/// </summary>
public sealed class Scenario
{
    private static readonly string[] Keys = ["fault", "value", "direction", "toxicity", "start", "length", "name"];

    /// <summary>The seed, if the file gives one.</summary>
    public long? Seed { get; init; }

    /// <summary>The faults, in file order.</summary>
    public IReadOnlyList<Fault> Faults { get; init; } = [];

    /// <summary>Reads a scenario file.</summary>
    /// <exception cref="ArgumentException">The file is not a valid scenario; the message names the fault and what is wrong.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Scenario Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Parses a scenario from JSON text.</summary>
    /// <exception cref="ArgumentException">Not a valid scenario.</exception>
    public static Scenario Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the scenario is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("a scenario is a JSON object with \"faults\" (and optionally \"seed\")");
            }

            long? seed = null;
            var faults = new List<Fault>();
            foreach (JsonProperty p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "seed":
                        seed = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out long s) ? s : throw new ArgumentException("\"seed\" must be an integer");
                        break;
                    case "faults":
                        if (p.Value.ValueKind != JsonValueKind.Array)
                        {
                            throw new ArgumentException("\"faults\" must be an array");
                        }

                        int i = 0;
                        foreach (JsonElement f in p.Value.EnumerateArray())
                        {
                            i++;
                            try
                            {
                                faults.Add(ParseFault(f));
                            }
                            catch (ArgumentException e)
                            {
                                throw new ArgumentException($"fault {i}: {e.Message}", e);
                            }
                        }

                        break;
                    case "description" or "comment":
                        break;
                    default:
                        throw new ArgumentException($"unknown key \"{p.Name}\" (seed, faults, description)");
                }
            }

            return new Scenario { Seed = seed, Faults = faults };
        }
    }

    private static Fault ParseFault(JsonElement f)
    {
        if (f.ValueKind == JsonValueKind.String)
        {
            return FaultText.Parse(f.GetString()!);
        }

        if (f.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("a fault is an object or a string");
        }

        foreach (JsonProperty p in f.EnumerateObject())
        {
            if (Array.IndexOf(Keys, p.Name) < 0)
            {
                throw new ArgumentException($"unknown key \"{p.Name}\" ({string.Join(", ", Keys)})");
            }
        }

        string kind = Text(f, "fault") ?? throw new ArgumentException("\"fault\" is missing");
        Fault fault = FaultText.FromValue(kind, Text(f, "value"));
        if (Text(f, "direction") is { } d)
        {
            fault = fault with { Direction = FaultText.ParseDirection(d) };
        }

        if (f.TryGetProperty("toxicity", out JsonElement t))
        {
            fault = fault with { Toxicity = t.ValueKind == JsonValueKind.Number ? t.GetDouble() : FaultText.ParseProbability(t.GetString() ?? "") };
        }

        if (Text(f, "start") is { } start)
        {
            fault = fault with { Start = FaultText.ParseDuration(start) };
        }

        if (Text(f, "length") is { } length)
        {
            fault = fault with { Length = FaultText.ParseDuration(length) };
        }

        if (Text(f, "name") is { } name)
        {
            fault = fault with { Name = name };
        }

        fault.Validate();
        return fault;
    }

    private static string? Text(JsonElement f, string key) => !f.TryGetProperty(key, out JsonElement v) ? null : v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetDouble().ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Null => null,
        _ => throw new ArgumentException($"\"{key}\" must be a string or a number"),
    };
}
