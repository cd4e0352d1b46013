using System.Diagnostics;
using System.Runtime;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// Open file descriptors of the test process, read from <c>/proc/self/fd</c>, for the leak checks of the fault,
/// load and leak tests. Those tests run in the <see cref="Serial"/> collection, alone, so the count moves only with
/// what the test does.
/// </summary>
public static class Fds
{
    /// <summary>True where <c>/proc/self/fd</c> lists the process's descriptors (Linux).</summary>
    public static bool Supported => Directory.Exists("/proc/self/fd");

    /// <summary>Skips the test where descriptors cannot be counted.</summary>
    public static void SkipUnlessSupported() =>
        Assert.SkipUnless(Supported, "Counting descriptors reads /proc/self/fd (Linux).");

    /// <summary>
    /// How many descriptors the process has open now, not counting the runtime's own code files (an assembly
    /// or native library that .NET loads lazily keeps a descriptor open: loading is not a leak).
    /// </summary>
    public static int Count() => Snapshot().Count;

    /// <summary>What each open descriptor counted by <see cref="Count"/> refers to (<c>socket:[123]</c>, <c>pipe:[4]</c>, a path).</summary>
    public static Dictionary<string, string> Snapshot()
    {
        var map = new Dictionary<string, string>();
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                string target = new FileInfo(entry).LinkTarget ?? "?";
                if (!IsCode(target))
                {
                    map[Path.GetFileName(entry)] = target;
                }
            }
            catch (IOException)
            {
                // closed while we looked: not open any more
            }
        }

        return map;
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> once to warm up (first use loads code and may open the runtime's own
    /// descriptors), then <paramref name="repeats"/> times, and asserts that no descriptor stayed open. The
    /// repeats run in a no-GC region where the budget allows, so a socket dropped without being closed cannot be
    /// rescued by its finalizer: it counts as the leak it is.
    /// </summary>
    public static void AssertNoLeak(string what, int repeats, Action scenario)
    {
        SkipUnlessSupported();
        scenario();
        Settle();
        Dictionary<string, string> before = Snapshot();
        bool noGc = StartNoGc();
        int leaked = 0;
        try
        {
            for (int i = 0; i < repeats; i++)
            {
                scenario();
            }

            // A thread the scenario started may still be closing its socket: give it a moment, no more.
            var sw = Stopwatch.StartNew();
            while ((leaked = Count() - before.Count) > 0 && sw.Elapsed.TotalSeconds < 3)
            {
                Thread.Sleep(20);
            }
        }
        finally
        {
            EndNoGc(noGc);
        }

        if (leaked > 0)
        {
            IEnumerable<string> extra = Snapshot().Where(kv => !before.ContainsKey(kv.Key)).Select(kv => $"{kv.Key} -> {kv.Value}");
            Assert.Fail($"{what}: {leaked} descriptor(s) leaked over {repeats} runs: {string.Join(", ", extra.Take(10))}");
        }
    }

    /// <summary>As <see cref="AssertNoLeak"/>, for a scenario that awaits.</summary>
    public static async Task AssertNoLeakAsync(string what, int repeats, Func<Task> scenario)
    {
        SkipUnlessSupported();
        await scenario();
        Settle();
        Dictionary<string, string> before = Snapshot();
        bool noGc = StartNoGc();
        int leaked = 0;
        try
        {
            for (int i = 0; i < repeats; i++)
            {
                await scenario();
            }

            var sw = Stopwatch.StartNew();
            while ((leaked = Count() - before.Count) > 0 && sw.Elapsed.TotalSeconds < 3)
            {
                await Task.Delay(20);
            }
        }
        finally
        {
            EndNoGc(noGc);
        }

        if (leaked > 0)
        {
            IEnumerable<string> extra = Snapshot().Where(kv => !before.ContainsKey(kv.Key)).Select(kv => $"{kv.Key} -> {kv.Value}");
            Assert.Fail($"{what}: {leaked} descriptor(s) leaked over {repeats} runs: {string.Join(", ", extra.Take(10))}");
        }
    }

    /// <summary>Lets garbage from earlier tests be collected and finalized, so it does not close descriptors mid-count.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static bool StartNoGc()
    {
        try
        {
            return GC.TryStartNoGCRegion(128L * 1024 * 1024);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false; // budget not available here: the counts still hold, only the finalizer is not held back
        }
    }

    private static void EndNoGc(bool started)
    {
        if (started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // the scenario allocated past the budget and a collection ran: the region had ended already
            }
        }
    }

    private static bool IsCode(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".so", StringComparison.Ordinal) || target.Contains(".so.", StringComparison.Ordinal);
}
