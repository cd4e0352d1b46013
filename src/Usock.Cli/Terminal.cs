namespace Usock.Cli;

/// <summary>The colours usock uses for its messages on stderr.</summary>
internal enum Paint
{
    /// <summary>Failures.</summary>
    Red = 31,

    /// <summary>A connection made: listening, connected, accepted.</summary>
    Green = 32,

    /// <summary>Hex dump header of sent data.</summary>
    Yellow = 33,

    /// <summary>Hex dump header of received data.</summary>
    Cyan = 36,

    /// <summary>Secondary information.</summary>
    Dim = 2,
}

/// <summary>
/// What the streams are attached to, and whether stderr gets colour. Colour is on when stderr is a terminal,
/// unless <c>--no-color</c> is given or <c>NO_COLOR</c> is set (to anything non-empty); <c>FORCE_COLOR</c>
/// (non-empty, not <c>0</c>) turns it on for a stderr that is not a terminal. The progress bar needs a
/// real terminal and ignores <c>FORCE_COLOR</c>.
/// </summary>
internal sealed class Terminal
{
    private Terminal(bool stderrIsTerminal, bool color)
    {
        StdErrIsTerminal = stderrIsTerminal;
        Color = color;
    }

    /// <summary>True when stderr is a terminal (not a pipe or file).</summary>
    public bool StdErrIsTerminal { get; }

    /// <summary>True when messages on stderr are coloured.</summary>
    public bool Color { get; }

    /// <summary>Looks at stderr and the environment.</summary>
    /// <param name="noColorOption">The command's <c>--no-color</c>.</param>
    public static Terminal Detect(bool noColorOption)
    {
        bool tty = !Console.IsErrorRedirected;
        bool noColor = noColorOption || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        string? force = Environment.GetEnvironmentVariable("FORCE_COLOR");
        bool forced = !string.IsNullOrEmpty(force) && force != "0";
        return new Terminal(tty, !noColor && (tty || forced));
    }

    /// <summary>The text in <paramref name="paint"/> when colour is on, else the text as it is.</summary>
    public string Apply(string text, Paint paint) => Color ? $"\e[{(int)paint}m{text}\e[0m" : text;
}
