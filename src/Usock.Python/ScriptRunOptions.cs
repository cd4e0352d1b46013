namespace Usock.Python;

/// <summary>What <see cref="ScriptHost.Run"/> runs, and how.</summary>
public sealed class ScriptRunOptions
{
    /// <summary>A script file, or a device project folder whose <c>main.py</c> (else <c>_main.py</c>) runs; the
    /// script's folder is the device's <c>/usr</c>; <c>null</c> with no
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

    /// <summary>
    /// The device's settings for the device modules, over their <c>USOCK_*</c> environment variables: <c>imei</c>
    /// (<c>--imei</c>), <c>uart2</c> (<c>--uart 2=SPEC</c>), <c>attach_ms</c> (<c>--attach-ms</c>). See docs/scripts.md.
    /// </summary>
    public IReadOnlyDictionary<string, string> Device { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--map-port PORT=HOSTPORT</c> entries: the script's bind of PORT binds HOSTPORT.</summary>
    public IReadOnlyList<string> MapPort { get; init; } = [];

    /// <summary>The network scenario the run follows (<c>--network FILE</c>): see docs/scripts.md, "Device life".</summary>
    public string? Network { get; init; }

    /// <summary>The scenario's seed (<c>--seed N</c>), over the file's own.</summary>
    public long? Seed { get; init; }

    /// <summary>Where the timeline goes (<c>--timeline FILE</c>, <c>-</c> for stderr), with <see cref="Network"/>.</summary>
    public string? Timeline { get; init; }

    /// <summary>Where the picture of the run goes (<c>--picture FILE</c>: one HTML page), with <see cref="Network"/>.</summary>
    public string? Picture { get; init; }

    /// <summary>The folder that is the device's <c>/bak</c> (<c>--bak</c>); <c>null</c>: <c>bak</c> beside the
    /// program's folder (the device's <c>/usr</c>), made when something is first written there.</summary>
    public string? Bak { get; init; }

    /// <summary><c>--cpython-semantics</c>: compile the program with CPython's rules only, not the device's language
    /// (no private-name mangling, bytes formatting with str, ...: the rules of docs/scripts.md).</summary>
    public bool CPythonSemantics { get; init; }
}

/// <summary>The exit codes of <c>usock run</c> that are not the script's own.</summary>
public static class ScriptExitCodes
{
    /// <summary>An uncaught exception ended the script (its traceback is on stderr), as python3.</summary>
    public const int UncaughtException = 1;

    /// <summary>The command line was wrong (a bad <c>--resolve</c> or <c>--map-port</c>, a missing script, a folder
    /// without <c>main.py</c> or <c>_main.py</c>).</summary>
    public const int Usage = 2;

    /// <summary>The program called <c>misc.Power.powerRestart()</c> (or <c>net.setModemFun(fun, 1)</c>): the device restarts.</summary>
    public const int PowerRestart = 121;

    /// <summary>The program called <c>misc.Power.powerDown()</c>: the device powers off.</summary>
    public const int PowerDown = 122;

    /// <summary>A <c>machine.WDT</c> was not fed in time: the watchdog resets the device.</summary>
    public const int Watchdog = 123;

    /// <summary>No Python to embed: none found, no shared library, or older than 3.11.</summary>
    public const int NoPython = 125;

    /// <summary>Ended by Ctrl-C: an uncaught KeyboardInterrupt, or a second Ctrl-C.</summary>
    public const int Interrupted = 130;
}
