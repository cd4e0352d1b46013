using System.Diagnostics;

namespace Usock.Platform;

/// <summary>
/// One deadline for one call: every wait inside the call (each chunk of a SendAll, each fill of a ReadLine)
/// takes what remains of it, so a call never outlives the socket's timeout.
/// </summary>
internal readonly struct Deadline
{
    private readonly long _expires; // Stopwatch timestamp; long.MaxValue: never

    private Deadline(long expires, bool nonBlocking)
    {
        _expires = expires;
        IsNonBlocking = nonBlocking;
    }

    /// <summary>True for a timeout of 0: a call that would wait fails with EAGAIN instead.</summary>
    public bool IsNonBlocking { get; }

    /// <summary>Starts the deadline for a socket timeout in milliseconds (-1: none, 0: non-blocking).</summary>
    public static Deadline Start(long timeoutMs)
    {
        if (timeoutMs < 0)
        {
            return new Deadline(long.MaxValue, false);
        }

        if (timeoutMs == 0)
        {
            return new Deadline(0, true);
        }

        long ticks = timeoutMs >= long.MaxValue / Stopwatch.Frequency ? long.MaxValue / 2 : timeoutMs * Stopwatch.Frequency / 1000;
        return new Deadline(Stopwatch.GetTimestamp() + ticks, false);
    }

    /// <summary>Milliseconds left, rounded up, at most <see cref="int.MaxValue"/> / 1000; -1 if there is no deadline; 0 when past.</summary>
    public int RemainingMs()
    {
        if (_expires == long.MaxValue)
        {
            return -1;
        }

        long left = _expires - Stopwatch.GetTimestamp();
        if (left <= 0)
        {
            return 0;
        }

        long ms = (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
        return (int)Math.Min(ms, int.MaxValue / 1000);
    }
}
