namespace Usock.Python;

/// <summary>What <see cref="ScriptHost.Run"/> runs, and how.</summary>
public sealed class ScriptRunOptions
{
    /// <summary>A script file, or a device project folder whose <c>main.py</c> runs; <c>null</c> with no
    /// <see cref="Code"/> starts an interactive prompt.</summary>
    public string? Script { get; init; }

    /// <summary>Code to run instead of a script (<c>-c CODE</c>).</summary>
    public string? Code { get; init; }

    /// <summary>The script's own arguments (<c>sys.argv[1:]</c>).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The Python to embed (<c>--python</c>); <c>null</c>: <c>USOCK_PYTHON</c>, else <c>python3</c>.</summary>
    public string? Python { get; init; }

    /// <summary><c>--resolve NAME:PORT=ADDR:PORT</c> entries, as curl's <c>--resolve</c>.</summary>
    public IReadOnlyList<string> Resolve { get; init; } = [];
}

/// <summary>The exit codes of <c>usock run</c> that are not the script's own.</summary>
public static class ScriptExitCodes
{
    /// <summary>An uncaught exception ended the script (its traceback is on stderr), as python3.</summary>
    public const int UncaughtException = 1;

    /// <summary>The command line was wrong (a bad <c>--resolve</c>, a missing script).</summary>
    public const int Usage = 2;

    /// <summary>No Python to embed: none found, no shared library, or older than 3.11.</summary>
    public const int NoPython = 125;

    /// <summary>Ended by Ctrl-C: an uncaught KeyboardInterrupt, or a second Ctrl-C.</summary>
    public const int Interrupted = 130;
}
