using System.Diagnostics;

namespace Usock.Tests.Support;

/// <summary>What every test's child process (peer, server, CLI) needs at its end.</summary>
internal static class ChildProcess
{
    /// <summary>Kills the child and its children at once (SIGKILL: the kernel closes their sockets as for a crash),
    /// then waits up to 10 s for it to be gone; a child that already exited is left alone.</summary>
    public static void KillNow(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.WaitForExit(10_000);
    }
}
