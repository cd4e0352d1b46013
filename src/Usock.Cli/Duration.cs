using System.CommandLine;
using System.Globalization;

namespace Usock.Cli;

/// <summary>
/// Durations on the command line: <c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, or a plain number of seconds
/// (<c>5</c>, <c>0.5</c>). Zero means "no limit" wherever a duration is a timeout.
/// </summary>
internal static class Duration
{
    private static readonly (string Suffix, double Seconds)[] Units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];

    /// <summary>Parses a duration; false for anything else (negative, NaN, unknown unit, too large).</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        string t = text.Trim();
        double scale = 1;
        foreach ((string suffix, double seconds) in Units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && (suffix != "s" || !t.EndsWith("ms", StringComparison.OrdinalIgnoreCase)))
            {
                t = t[..^suffix.Length].TrimEnd();
                scale = seconds;
                break;
            }
        }

        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number)
            || double.IsNaN(number) || number * scale > int.MaxValue)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(number * scale);
        return true;
    }

    /// <summary>A short human form: <c>500 ms</c>, <c>5 s</c>, <c>2.5 s</c>.</summary>
    public static string Format(TimeSpan value) => value.TotalSeconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.###} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###} s");

    /// <summary>An option taking a duration, with a parse error (exit 2) for anything else.</summary>
    /// <param name="name">The option's name, e.g. <c>--timeout</c>.</param>
    /// <param name="description">Help text; the default is appended to it.</param>
    /// <param name="defaultValue">The value when the option is absent; zero for "no limit".</param>
    /// <param name="aliases">Other names, e.g. <c>-w</c>.</param>
    public static DurationOption Option(string name, string description, TimeSpan defaultValue, params string[] aliases) => new(new Option<TimeSpan?>(name, aliases)
    {
        Description = $"{description} [default: {(defaultValue == TimeSpan.Zero ? "0" : Format(defaultValue).Replace(" ", "", StringComparison.Ordinal))}]",
        HelpName = "DURATION",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (TryParse(text, out TimeSpan value))
            {
                return value;
            }

            string typed = (result.Parent as System.CommandLine.Parsing.OptionResult)?.IdentifierToken?.Value ?? name;
            result.AddError($"{typed} takes a duration such as 500ms, 5s, 2m or a number of seconds, not '{text}'.");
            return null;
        },
    }, defaultValue);

    /// <summary>A timeout for <see cref="USocket.SetTimeout"/>: <c>null</c> (block) for zero, else seconds.</summary>
    public static double? ToSocketTimeout(TimeSpan value) => value <= TimeSpan.Zero ? null : value.TotalSeconds;
}

/// <summary>A duration option and its default (kept out of System.CommandLine's help, which would print a TimeSpan).</summary>
/// <param name="Option">The option to add to a command.</param>
/// <param name="Default">Its value when absent.</param>
internal sealed record DurationOption(Option<TimeSpan?> Option, TimeSpan Default)
{
    /// <summary>The value given, or the default.</summary>
    public TimeSpan Get(ParseResult result) => result.GetValue(Option) ?? Default;
}
