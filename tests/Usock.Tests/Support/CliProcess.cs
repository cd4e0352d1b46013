using System.Diagnostics;
using System.Reflection;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>Runs the built <c>usock</c> command as a real process and collects what it printed.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    private static readonly Lazy<string> Dll = new(FindCli);

    public static Result Run(params string[] args) => Run(TimeSpan.FromSeconds(60), args);

    public static Result Run(TimeSpan limit, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll.Value);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        using Process p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"usock {string.Join(' ', args)} did not finish within {limit.TotalSeconds} s");
        }

        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
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
