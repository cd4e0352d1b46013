namespace Usock.Platform;

/// <summary>
/// One deadline for one call, on the socket's clock (its <see cref="TimeProvider"/>): every wait inside the call (each
/// chunk of a SendAll, each fill of a ReadLine, the name lookup of a Connect) takes what remains of it, so a call never
/// outlives the socket's timeout. The arithmetic saturates: every timeout <c>SetTimeout</c> accepts (up to
/// <see cref="int.MaxValue"/> seconds) is a deadline in the future, never an overflow.
/// </summary>
internal readonly struct Deadline
{
    // A wait in the kernel on a clock that is not the system's (a test's fake clock) takes slices of this length, so an
    // advance of that clock is seen.
    private const int ForeignClockSliceMs = 50;

    private readonly long _expires; // timestamp on _clock; long.MaxValue: never
    private readonly TimeProvider? _clock;

    private Deadline(long expires, bool nonBlocking, TimeProvider? clock)
    {
        _expires = expires;
        IsNonBlocking = nonBlocking;
        _clock = clock;
    }

    /// <summary>True for a timeout of 0: a call that would wait fails with EAGAIN instead.</summary>
    public bool IsNonBlocking { get; }

    /// <summary>Starts the deadline for a socket timeout in milliseconds (-1: none, 0: non-blocking).</summary>
    public static Deadline Start(long timeoutMs, TimeProvider clock)
    {
        if (timeoutMs < 0)
        {
            return new Deadline(long.MaxValue, false, clock);
        }

        if (timeoutMs == 0)
        {
            return new Deadline(0, true, clock);
        }

        long now = clock.GetTimestamp();
        Int128 ticks = (Int128)timeoutMs * clock.TimestampFrequency / 1000;
        Int128 expires = now + Int128.Max(ticks, 1);
        return new Deadline(expires >= long.MaxValue ? long.MaxValue - 1 : (long)expires, false, clock);
    }

    /// <summary>Milliseconds left, rounded up; -1 if there is no deadline; 0 when past (or non-blocking).</summary>
    public long RemainingMs()
    {
        if (IsNonBlocking)
        {
            return 0;
        }

        if (_expires == long.MaxValue || _clock is null)
        {
            return -1;
        }

        long left = _expires - _clock.GetTimestamp();
        if (left <= 0)
        {
            return 0;
        }

        long frequency = _clock.TimestampFrequency;
        return (long)(((Int128)left * 1000 + frequency - 1) / frequency);
    }

    /// <summary>
    /// What one kernel wait may take: the time left (-1 forever, 0 when past), at most <see cref="int.MaxValue"/>
    /// milliseconds (a longer wait is made of several), in short slices when the clock is not the system's.
    /// </summary>
    public int NextWaitMs()
    {
        long ms = RemainingMs();
        bool foreign = _clock is not null && !ReferenceEquals(_clock, TimeProvider.System);
        if (foreign && ms != 0)
        {
            return ms < 0 ? ForeignClockSliceMs : (int)Math.Min(ms, ForeignClockSliceMs);
        }

        return ms < 0 ? -1 : (int)Math.Min(ms, int.MaxValue);
    }
}
