using System.Runtime.InteropServices;

namespace Usock.Python;

/// <summary>
/// Ctrl-C for a running script. The first SIGINT trips Python's SIGINT (PyErr_SetInterruptEx, safe without the
/// GIL), wakes the main thread's blocked socket call by closing that socket (the call ends at once with 9 EBADF,
/// reported to the script as KeyboardInterrupt) and wakes <c>utime.sleep</c>; the script then sees
/// KeyboardInterrupt and its <c>finally</c> blocks run. A second SIGINT exits 130 at once.
/// </summary>
/// <remarks>
/// The interrupt is delivered once: the script's SIGINT handler and a woken call both ask <see cref="TryConsume"/>,
/// and only the first raises. A call that the main thread starts while an interrupt is pending does not block.
/// </remarks>
internal static unsafe class ScriptInterrupt
{
    private const int SigInt = 2;
    private static readonly Lock Gate = new();
    private static int s_mainThread = -1;
    private static long s_raised;
    private static long s_consumed;
    private static int s_presses;
    private static USocket? s_blocked;
    private static CancellationTokenSource s_wake = new();
    private static delegate* unmanaged<int, int> s_setInterrupt;
    private static PosixSignalRegistration? s_registration;

    /// <summary>True while an interrupt is waiting for the script to see it.</summary>
    public static bool Pending => Volatile.Read(ref s_raised) != Volatile.Read(ref s_consumed);

    /// <summary>Cancelled by the next Ctrl-C (for interruptible sleeps).</summary>
    public static CancellationToken WakeToken => Volatile.Read(ref s_wake).Token;

    /// <summary>Takes over SIGINT for the calling thread (the one running the script).</summary>
    public static void Install(nint pythonLibrary)
    {
        s_mainThread = Environment.CurrentManagedThreadId;
        s_setInterrupt = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(pythonLibrary, "PyErr_SetInterruptEx");
        s_registration ??= PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSigInt);
    }

    /// <summary>
    /// Runs <paramref name="action"/> (which sets Python's own SIGINT handler) and puts the process's SIGINT
    /// disposition back as it was, so .NET keeps receiving the signal while Python knows a handler exists.
    /// </summary>
    public static void KeepSigactionAround(Action action)
    {
        byte* saved = stackalloc byte[256];
        bool ok = OperatingSystem.IsLinux() && Sigaction(SigInt, null, saved) == 0;
        action();
        if (ok)
        {
            _ = Sigaction(SigInt, saved, null);
        }
    }

    /// <summary>Before a blocking call: false when an interrupt is pending on the main thread (do not block).</summary>
    public static bool Enter(USocket socket)
    {
        if (Environment.CurrentManagedThreadId != s_mainThread)
        {
            return true;
        }

        lock (Gate)
        {
            if (s_raised != s_consumed)
            {
                return false;
            }

            s_blocked = socket;
            return true;
        }
    }

    /// <summary>After a blocking call.</summary>
    public static void Leave()
    {
        if (Environment.CurrentManagedThreadId == s_mainThread)
        {
            Volatile.Write(ref s_blocked, null);
        }
    }

    /// <summary>True on the main thread when an interrupt is pending there (a failed call then reports it).</summary>
    public static bool PendingHere => Environment.CurrentManagedThreadId == s_mainThread && Pending;

    /// <summary>Marks the pending interrupt as seen; true for the one caller that should raise KeyboardInterrupt.</summary>
    public static bool TryConsume()
    {
        lock (Gate)
        {
            if (s_raised == s_consumed)
            {
                return false;
            }

            s_consumed = s_raised;
            return true;
        }
    }

    private static void OnSigInt(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref s_presses) >= 2)
        {
            Console.Out.Flush();
            Console.Error.Flush();
            Exit(ScriptExitCodes.Interrupted);
        }

        USocket? blocked;
        lock (Gate)
        {
            s_raised++;
            blocked = s_blocked;
        }

        _ = s_setInterrupt(SigInt);
        blocked?.Close();
        Interlocked.Exchange(ref s_wake, new CancellationTokenSource()).Cancel();
    }

    [DllImport("libc", EntryPoint = "sigaction")]
    private static extern int Sigaction(int signum, byte* act, byte* oldact);

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int status);
}
