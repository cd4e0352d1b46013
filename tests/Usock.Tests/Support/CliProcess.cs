using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// Runs the built <c>usock</c> command as a real process: to completion (<see cref="Run(string[])"/>), or in the
/// background (<see cref="Start(string[])"/>) while the test acts as its peer, feeding stdin and waiting for what
/// it prints. Every wait has a limit, and a process still running at the end is killed.
/// </summary>
public static class CliProcess
{
    /// <summary>How long any one wait may take before the test fails (generous: CI machines have 2 cores).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly Lazy<string> Dll = new(FindCli);

    /// <summary>The built command's Usock.Cli.dll (run with <c>dotnet</c>).</summary>
    public static string CommandDll => Dll.Value;

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args) => Run(TimeSpan.FromSeconds(60), args);

    public static Result Run(TimeSpan limit, params string[] args) => RunWith(null, null, limit, args);

    /// <summary>Runs to completion with <paramref name="stdin"/> as its input (none: stdin closed at once).</summary>
    public static Result RunWith(string? stdin, IReadOnlyDictionary<string, string?>? env, params string[] args) =>
        RunWith(stdin, env, TimeSpan.FromSeconds(60), args);

    public static Result RunWith(string? stdin, IReadOnlyDictionary<string, string?>? env, TimeSpan limit, string[] args)
    {
        using Running p = Start(env, args);
        if (stdin is not null)
        {
            p.Write(stdin);
        }

        p.CloseStdIn();
        return p.WaitForExit(limit);
    }

    /// <summary>Starts usock in the background; the test writes its stdin and waits for its output.</summary>
    public static Running Start(params string[] args) => Start(null, args);

    /// <summary>Starts usock with extra environment variables (a null value removes one).</summary>
    public static Running Start(IReadOnlyDictionary<string, string?>? env, params string[] args)
    {
        ProcessStartInfo psi = StartInfo(args);
        psi.StandardInputEncoding = new UTF8Encoding(false);
        psi.StandardOutputEncoding = Encoding.UTF8;
        psi.StandardErrorEncoding = Encoding.UTF8;
        foreach ((string key, string? value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        return new Running(Process.Start(psi)!, string.Join(' ', args));
    }

    /// <summary>
    /// The start of a usock process, for every launcher: the CLI under dotnet with <paramref name="args"/>, all three
    /// streams redirected, SIGINT at its default (<see cref="CliSignal.StartInfo"/>), and colour left to the tests,
    /// not to the machine they run on (NO_COLOR and FORCE_COLOR removed).
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        ProcessStartInfo psi = CliSignal.StartInfo("dotnet");
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.ArgumentList.Add(Dll.Value);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment.Remove("NO_COLOR");
        psi.Environment.Remove("FORCE_COLOR");
        return psi;
    }

    /// <summary>A usock process running in the background.</summary>
    public sealed class Running : IDisposable
    {
        // The human line, or the --json event.
        private static readonly Regex ListeningLine = new(@"listening on \('[^']*', (?<port>\d+)\)|""event"":""listening""[^\n]*""port"":(?<port>\d+)", RegexOptions.CultureInvariant);
        private readonly Process _process;
        private readonly string _command;
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();
        private readonly object _gate = new();
        private readonly Task _readers;
        private bool _stdinClosed;

        internal Running(Process process, string command)
        {
            _process = process;
            _command = command;
            _readers = Task.WhenAll(Pump(process.StandardOutput, _stdout), Pump(process.StandardError, _stderr));
        }

        /// <summary>The process id (to signal it, or to read its state under /proc).</summary>
        public int Id => _process.Id;

        public string StdOut
        {
            get
            {
                lock (_gate)
                {
                    return _stdout.ToString();
                }
            }
        }

        public string StdErr
        {
            get
            {
                lock (_gate)
                {
                    return _stderr.ToString();
                }
            }
        }

        /// <summary>Sends SIGINT, as Ctrl-C in a terminal does.</summary>
        public void Interrupt() => CliSignal.Interrupt(_process);

        /// <summary>Writes to the process's stdin and flushes.</summary>
        public void Write(string text)
        {
            _process.StandardInput.Write(text);
            _process.StandardInput.Flush();
        }

        public void CloseStdIn()
        {
            if (!_stdinClosed)
            {
                _stdinClosed = true;
                try
                {
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // the process has already gone: nothing to close
                }
            }
        }

        /// <summary>Waits until stderr matches <paramref name="pattern"/> (a regular expression).</summary>
        public Match WaitForStdErr(string pattern) => WaitFor(_stderr, new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant), "stderr");

        /// <summary>Waits until stdout contains <paramref name="text"/>.</summary>
        public void WaitForStdOut(string text) => WaitFor(_stdout, new Regex(Regex.Escape(text), RegexOptions.CultureInvariant), "stdout");

        /// <summary>Waits for <c>listening on (address, port)</c> (or its JSON event) and returns the port.</summary>
        public int ListeningPort()
        {
            Match m = WaitFor(_stderr, ListeningLine, "stderr");
            return int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture);
        }

        /// <summary>Waits for the process to end (killing it and failing after <paramref name="limit"/>).</summary>
        public Result WaitForExit(TimeSpan? limit = null)
        {
            TimeSpan wait = limit ?? Patience;
            if (!_process.WaitForExit(wait))
            {
                Kill();
                Assert.Fail($"usock {_command} did not finish within {wait.TotalSeconds} s\nstdout: {StdOut}\nstderr: {StdErr}");
            }

            _process.WaitForExit();
            _readers.Wait(Patience);
            return new Result(_process.ExitCode, StdOut, StdErr);
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // never started or already reaped
            }
        }

        private Match WaitFor(StringBuilder stream, Regex pattern, string name)
        {
            var clock = Stopwatch.StartNew();
            lock (_gate)
            {
                while (true)
                {
                    Match m = pattern.Match(stream.ToString());
                    if (m.Success)
                    {
                        return m;
                    }

                    TimeSpan left = Patience - clock.Elapsed;
                    if (left <= TimeSpan.Zero || (_readers.IsCompleted && !pattern.IsMatch(stream.ToString())))
                    {
                        string why = _readers.IsCompleted ? "the process ended" : $"{Patience.TotalSeconds} s passed";
                        Assert.Fail($"usock {_command}: {name} never matched /{pattern}/ ({why})\nstdout: {_stdout}\nstderr: {_stderr}");
                    }

                    Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
                }
            }
        }

        private async Task Pump(StreamReader reader, StringBuilder into)
        {
            char[] buffer = new char[4096];
            int n;
            while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (_gate)
                {
                    into.Append(buffer, 0, n);
                    Monitor.PulseAll(_gate);
                }
            }

            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    private static string FindCli()
    {
        string configuration = typeof(CliProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "Configuration").Value!;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Usock.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        string dll = Path.Combine(dir.FullName, "src", "Usock.Cli", "bin", configuration, "net10.0", "Usock.Cli.dll");
        Assert.True(File.Exists(dll), $"the usock command is not built at {dll}");
        return dll;
    }
}

/// <summary>Small helpers for the CLI tests: ports as arguments, a port nobody listens on, JSON lines.</summary>
public static class CliTest
{
    public static string Arg(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A loopback port that was free a moment ago and has no listener (a connect to it is refused).</summary>
    public static int ClosedPort(int af = USocket.AF_INET)
    {
        using var probe = new USocket(af);
        probe.Bind((Loopback.Host(af), 0));
        return probe.GetSockName().Port;
    }

    /// <summary>Every non-empty line of <paramref name="text"/>, parsed as JSON (the test fails on any other line).</summary>
    public static List<System.Text.Json.JsonElement> JsonLines(string text)
    {
        var events = new List<System.Text.Json.JsonElement>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            events.Add(doc.RootElement.Clone());
        }

        return events;
    }

    /// <summary>The names of the events, in order.</summary>
    public static List<string> EventNames(IEnumerable<System.Text.Json.JsonElement> events) =>
        events.Select(e => e.GetProperty("event").GetString()!).ToList();
}
