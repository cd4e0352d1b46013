using System.Diagnostics;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>Ctrl-C for a CLI process under test: SIGINT sent with the system's <c>kill</c>.</summary>
public static class CliSignal
{
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
}
