using System.Diagnostics;
using System.Reflection;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// The fault tests' child process (<c>tests/Usock.FaultPeer</c>): for a lowered descriptor limit, which would hit
/// every test running in this process, and for a peer that is killed. Killed (with its tree) when it outlives its
/// time limit or the test.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private static readonly Lazy<string> Dll = new(FindPeer);
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private PeerProcess(string[] args, IReadOnlyDictionary<string, string>? environment = null, string? dll = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll ?? Dll.Value);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        _process = Process.Start(psi)!;
        _process.StandardInput.Close();
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    /// <summary>The child's assembly, for starting it by other means (inside a network namespace).</summary>
    public static string DllPath => Dll.Value;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the child with <paramref name="args"/>.</summary>
    public static PeerProcess Start(params string[] args) => new(args);

    /// <summary>Starts the child with <paramref name="args"/> and extra environment variables.</summary>
    public static PeerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) => new(args, environment);

    /// <summary>The child's exit code once it ended (waits up to <paramref name="limit"/>, then kills it and fails).</summary>
    public int WaitForExit(TimeSpan limit)
    {
        if (!_process.WaitForExit(limit))
        {
            Kill();
            Assert.Fail($"Usock.FaultPeer did not finish within {limit.TotalSeconds} s");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The rest of the child's output as <c>key=value</c> pairs (after it ended).</summary>
    public Dictionary<string, string> ReadPairs() => Pairs(_process.StandardOutput.ReadToEnd());

    /// <summary>What the child printed on standard error (after it ended).</summary>
    public string StdErr => _stderr.Result;

    /// <summary>Runs the child to its end and returns its <c>key=value</c> lines; fails the test on a non-zero exit or a timeout.</summary>
    public static Dictionary<string, string> Run(TimeSpan limit, params string[] args) => RunDll(null, limit, args);

    /// <summary>
    /// As <see cref="Run"/>, for a child that gives up root: it runs from a copy of its build output that every user
    /// can read (<see cref="WorldReadableCopy"/>), so it still loads its assemblies whatever folder the clone is in.
    /// </summary>
    public static Dictionary<string, string> RunUnprivileged(TimeSpan limit, params string[] args)
    {
        if (!OperatingSystem.IsWindows())
        {
            using var copy = WorldReadableCopy.Of(Path.GetDirectoryName(Dll.Value)!);
            return RunDll(Path.Combine(copy.Path, Path.GetFileName(Dll.Value)), limit, args);
        }

        Assert.Skip("giving up root is a Unix matter");
        return [];
    }

    private static Dictionary<string, string> RunDll(string? dll, TimeSpan limit, string[] args)
    {
        using var p = new PeerProcess(args, null, dll);
        Task<string> stdout = p._process.StandardOutput.ReadToEndAsync();
        if (!p._process.WaitForExit(limit))
        {
            p.Kill();
            Assert.Fail($"Usock.FaultPeer {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s");
        }

        p._process.WaitForExit();
        string output = stdout.Result;
        Assert.True(p._process.ExitCode == 0, $"Usock.FaultPeer {string.Join(' ', args)} exited {p._process.ExitCode}:\n{output}\n{p._stderr.Result}");
        return Pairs(output);
    }

    private static Dictionary<string, string> Pairs(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1]);

    /// <summary>Waits for a line from the child (e.g. <c>connected</c>); fails the test if it does not come in time.</summary>
    public string ReadLine(TimeSpan limit)
    {
        Task<string?> line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(limit) || line.Result is null)
        {
            Kill();
            Assert.Fail($"Usock.FaultPeer said nothing within {limit.TotalSeconds} s: {(_process.HasExited ? _stderr.Result : "")}");
        }

        return line.Result!;
    }

    /// <summary>Kills the child at once (SIGKILL): the kernel closes its sockets as for a crash.</summary>
    public void Kill() => ChildProcess.KillNow(_process);

    public void Dispose()
    {
        Kill();
        _stderr.Wait(TimeSpan.FromSeconds(10));
        _process.StandardOutput.Dispose(); // the pipes' descriptors close now, not at the next collection
        _process.StandardError.Dispose();
        _process.Dispose();
    }

    private static string FindPeer()
    {
        string configuration = typeof(PeerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "Configuration").Value!;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Usock.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        string dll = Path.Combine(dir.FullName, "tests", "Usock.FaultPeer", "bin", configuration, "net10.0", "Usock.FaultPeer.dll");
        Assert.True(File.Exists(dll), $"the fault tests' child process is not built at {dll}");
        return dll;
    }
}
