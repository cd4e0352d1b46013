using System.Reflection;
using System.Runtime.InteropServices;
using Python.Runtime;

namespace Usock.Python;

/// <summary>
/// Runs a QuecPython program in an embedded CPython whose <c>usocket</c>, <c>uselect</c>, <c>utime</c>,
/// <c>log</c>, <c>checkNet</c> (and stand-ins for <c>dataCall</c>, <c>net</c>, <c>sim</c>) are backed by Usock:
/// what <c>usock run</c> does.
/// </summary>
public static class ScriptHost
{
    private const string ResourcePrefix = "usock.python.";

    /// <summary>Runs a script, a device project folder, <c>-c</c> code, or an interactive prompt.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="error">Where the runner's own one-line errors go (the script's output is its own).</param>
    /// <returns>The exit code: the script's <c>SystemExit</c> code, 1 after an uncaught exception, or one of
    /// <see cref="ScriptExitCodes"/>.</returns>
    public static int Run(ScriptRunOptions options, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            foreach (string entry in options.Resolve)
            {
                ResolveTable.Add(entry);
            }

            foreach (string entry in options.MapPort)
            {
                PortMap.Add(entry);
            }
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"usock: {e.Message}");
            return ScriptExitCodes.Usage;
        }

        string kind, target;
        if (options.Code is not null)
        {
            (kind, target) = ("code", options.Code);
        }
        else if (options.Script is null)
        {
            (kind, target) = ("interactive", "");
        }
        else if (Directory.Exists(options.Script))
        {
            if (!File.Exists(Path.Combine(options.Script, "main.py")) && !File.Exists(Path.Combine(options.Script, "_main.py")))
            {
                error.WriteLine($"usock: '{options.Script}' is a folder without main.py or _main.py (a device project runs its main.py, else _main.py)");
                return ScriptExitCodes.Usage;
            }

            (kind, target) = ("dir", options.Script);
        }
        else if (File.Exists(options.Script))
        {
            (kind, target) = ("file", options.Script);
        }
        else
        {
            error.WriteLine($"usock: can't open file '{options.Script}': [Errno 2] No such file or directory");
            return ScriptExitCodes.Usage;
        }

        Network.DeviceNetwork? network;
        try
        {
            network = options.Network is null ? null : Network.DeviceNetwork.Start(options.Network, options.Seed, options.Timeline, options.Picture, options.Device);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"usock: --network '{options.Network}': {e.Message}");
            return ScriptExitCodes.Usage;
        }

        PythonInstall python;
        try
        {
            python = PythonLocator.Locate(options.Python);
        }
        catch (PythonNotFoundException e)
        {
            error.WriteLine($"usock: {e.Message}");
            return ScriptExitCodes.NoPython;
        }

        if (options.Bak is not null && File.Exists(options.Bak))
        {
            error.WriteLine($"usock: --bak '{options.Bak}' is a file (the device's /bak is a folder)");
            return ScriptExitCodes.Usage;
        }

        int rc = Embed(python, kind, target, options, error);
        if (network is not null)
        {
            error.WriteLine($"usock: {network.Finish()}");
        }

        return rc;
    }

    private static int Embed(PythonInstall python, string kind, string target, ScriptRunOptions options, TextWriter error)
    {
        Trace("python found");
        Runtime.PythonDLL = python.Library;
        PythonEngine.ProgramName = python.Executable;
        try
        {
            PythonEngine.Initialize(Array.Empty<string>(), setSysArgv: false, initSigs: false);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or TypeInitializationException or EntryPointNotFoundException)
        {
            error.WriteLine($"usock: could not load Python from {python.Library}: {e.Message}");
            return ScriptExitCodes.NoPython;
        }

        Trace("engine initialized");
        // The order that does not hang: release the GIL at once, then take it only inside Py.GIL() blocks.
        PythonEngine.BeginAllowThreads();
        ScriptInterrupt.Install(NativeLibrary.Load(python.Library));
        using (Py.GIL())
        {
            using PyModule scope = Py.CreateScope("usock_runner");
            using (var sources = new PyDict())
            {
                foreach ((string name, string source) in Sources())
                {
                    using var key = new PyString(name);
                    using var value = new PyString(source);
                    sources[key] = value;
                }

                scope.Set("_sources", sources);
            }

            scope.Exec(Source("_usock_boot"));
            using (var device = new PyDict())
            {
                foreach ((string key, string value) in options.Device)
                {
                    using var name = new PyString(key);
                    using var setting = new PyString(value);
                    device[name] = setting;
                }

                scope.Set("_device", device);
            }

            scope.Exec("import _usock_device; _usock_device.setup(_device)");
            ScriptInterrupt.KeepSigactionAround(() => scope.Exec("install_sigint()"));
            Trace("modules installed");
            using PyObject main = scope.Get("main");
            using var argv = new PyList();
            foreach (string a in options.Arguments)
            {
                using var item = new PyString(a);
                argv.Append(item);
            }

            using var k = new PyString(kind);
            using var t = new PyString(target);
            using var bak = new PyString(options.Bak is null ? "" : Path.GetFullPath(options.Bak));
            Network.DeviceNetwork.Current?.Begin();
            using PyObject deviceLanguage = (!options.CPythonSemantics).ToPython();
            using PyObject rc = main.Invoke(k, t, argv, bak, deviceLanguage);
            Trace("script ended");
            return rc.As<int>();
        }
    }

    /// <summary>
    /// Ends the process at once with <paramref name="code"/>, after a script has run (its output flushed, its atexit
    /// functions run): the embedded interpreter is not finalized, which would otherwise take most of a second.
    /// </summary>
    /// <param name="code">The exit code.</param>
    public static void ExitNow(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        ExitProcess(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitProcess(int status);

    /// <summary>With <c>USOCK_RUN_TRACE=1</c>, when each start-up stage ended (milliseconds since the process started).</summary>
    private static void Trace(string stage)
    {
        if (Environment.GetEnvironmentVariable("USOCK_RUN_TRACE") == "1")
        {
            TimeSpan t = DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime;
            Console.Error.WriteLine($"usock run: {stage} at {t.TotalMilliseconds:F0} ms");
        }
    }

    private static IEnumerable<(string Name, string Source)> Sources()
    {
        foreach (string resource in typeof(ScriptHost).Assembly.GetManifestResourceNames())
        {
            if (resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) && resource.EndsWith(".py", StringComparison.Ordinal))
            {
                string name = resource[ResourcePrefix.Length..^3];
                if (name != "_usock_boot")
                {
                    yield return (name, Source(name));
                }
            }
        }
    }

    private static string Source(string module)
    {
        using Stream stream = typeof(ScriptHost).Assembly.GetManifestResourceStream(ResourcePrefix + module + ".py")
            ?? throw new InvalidOperationException($"missing embedded module {module}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
