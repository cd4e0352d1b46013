using System.Runtime.InteropServices;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// Python test scripts (tests/python) run through <c>usock run</c> as real processes. When no Python 3.11+ with
/// its shared library is found, the tests report themselves skipped with usock's own one-line reason.
/// </summary>
public static class PythonScripts
{
    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>The folder of the Python test scripts.</summary>
    public static string Folder => Path.Combine(RepoRoot, "tests", "python");

    /// <summary>The repository root (where Usock.slnx is).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Usock.slnx")))
            {
                dir = dir.Parent;
            }

            Assert.NotNull(dir);
            return dir.FullName;
        }
    }

    /// <summary>The path of a test script.</summary>
    public static string Script(string name) => Path.Combine(Folder, name);

    /// <summary>Skips the test unless <c>usock run</c> finds a Python to embed.</summary>
    public static void SkipUnlessPython() =>
        Assert.SkipWhen(Missing.Value is not null, $"no Python to embed: {Missing.Value} (.ci/run installs python3 and libpython3.11)");

    /// <summary>Runs a script to completion.</summary>
    public static CliProcess.Result Run(params string[] runArgs)
    {
        SkipUnlessPython();
        return CliProcess.Run(TimeSpan.FromSeconds(60), ["run", .. runArgs]);
    }

    /// <summary>Sends SIGINT (Ctrl-C) to a process.</summary>
    public static void Interrupt(int pid) => Assert.Equal(0, Kill(pid, 2));

    /// <summary>The state letter of a process's main thread (R running, S waiting, ...) and its current syscall.</summary>
    public static (char State, string Syscall, string Wchan) MainThread(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/task/{pid}/stat");
        char state = stat[(stat.LastIndexOf(')') + 2)..][0];
        string syscall = File.ReadAllText($"/proc/{pid}/task/{pid}/syscall").Split(' ')[0].Trim();
        string wchan = File.ReadAllText($"/proc/{pid}/task/{pid}/wchan").Trim();
        return (state, syscall, wchan);
    }

    private static string? Probe()
    {
        CliProcess.Result r = CliProcess.Run(TimeSpan.FromSeconds(60), "run", "-c", "pass");
        return r.ExitCode == 125 ? r.StdErr.Trim() : null;
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
