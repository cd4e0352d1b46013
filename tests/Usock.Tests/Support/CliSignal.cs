using System.Diagnostics;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>Ctrl-C for a CLI process under test: SIGINT sent with the system's <c>kill</c>.</summary>
public static class CliSignal
{
    /// <summary>
    /// A start of <paramref name="file"/> that finds SIGINT as a terminal's Ctrl-C does: at its default. A shell without
    /// job control starts its background jobs with SIGINT ignored (`dotnet test &amp;` in a script, `nohup`), a child
    /// inherits that (.NET gives a child the disposition the test process started with, even after installing its
    /// own handler), and Ctrl-C could never reach the CLI under test. So the child starts through coreutils'
    /// <c>env --default-signal=INT</c>, which resets SIGINT and execs the command in the same process (its id is the
    /// command's); where that <c>env</c> option does not exist, the child starts directly.
    /// </summary>
    public static ProcessStartInfo StartInfo(string file)
    {
        if (!EnvResetsSignals.Value)
        {
            return new ProcessStartInfo(file);
        }

        var psi = new ProcessStartInfo("env");
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add(file);
        return psi;
    }

    /// <summary>Sends SIGINT to <paramref name="process"/> (fails the test if it cannot be sent).</summary>
    public static void Interrupt(Process process)
    {
        var psi = new ProcessStartInfo("kill") { UseShellExecute = false };
        psi.ArgumentList.Add("-INT");
        psi.ArgumentList.Add(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using Process kill = Process.Start(psi)!;
        Assert.True(kill.WaitForExit(10_000), "kill -INT did not finish");
        Assert.Equal(0, kill.ExitCode);
    }

    private static readonly Lazy<bool> EnvResetsSignals = new(() =>
    {
        try
        {
            var psi = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardError = true };
            psi.ArgumentList.Add("--default-signal=INT");
            psi.ArgumentList.Add("true");
            using Process p = Process.Start(psi)!;
            p.StandardError.ReadToEnd();
            return p.WaitForExit(10_000) && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });
}
