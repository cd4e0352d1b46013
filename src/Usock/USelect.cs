namespace Usock;

/// <summary>
/// The <c>uselect</c> module's shape for Usock sockets: <see cref="Poll"/> makes a <see cref="Poller"/>, and
/// <see cref="Select"/> answers "which of these are ready". Event values are MicroPython's.
/// </summary>
public static class USelect
{
    /// <summary>Readable: data (or a connection to accept) is there, or the peer closed.</summary>
    public const int POLLIN = 1;
    /// <summary>Writable: there is room to send, or a connect in progress has finished.</summary>
    public const int POLLOUT = 4;
    /// <summary>An error is pending on the socket (a reset, a failed connect); the next call raises it. Always reported.</summary>
    public const int POLLERR = 8;
    /// <summary>The peer closed (reported with <see cref="POLLIN"/>), or the socket is not connected. Always reported.</summary>
    public const int POLLHUP = 16;
    /// <summary>The registered socket has been closed. Always reported.</summary>
    public const int POLLNVAL = 32;

    /// <summary>A new poller, as <c>uselect.poll()</c>.</summary>
    /// <returns>An empty poller; dispose it when done.</returns>
    public static Poller Poll() => new();

    /// <summary>Which sockets are ready, as <c>uselect.select(rlist, wlist, xlist[, timeout])</c>.</summary>
    /// <param name="readable">Sockets to watch for <see cref="POLLIN"/>.</param>
    /// <param name="writable">Sockets to watch for <see cref="POLLOUT"/>.</param>
    /// <param name="exceptional">Sockets to watch for errors only.</param>
    /// <param name="timeout">Seconds to wait; <c>null</c> waits until one is ready, 0 does not wait.</param>
    /// <returns>The ready subsets, in the order given. A socket with an error or a hang-up is in whichever lists
    /// it was given in, so the next call on it reports what happened.</returns>
    /// <exception cref="ArgumentNullException">A list is null, or holds null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative or NaN.</exception>
    /// <remarks>The timeout runs on the sockets' clock (<see cref="USocket.TimeProvider"/>) when they all share one,
    /// else on the system's.</remarks>
    /// <exception cref="UsocketException">9 EBADF for a closed socket.</exception>
    public static (IReadOnlyList<USocket> Readable, IReadOnlyList<USocket> Writable, IReadOnlyList<USocket> Exceptional) Select(
        IEnumerable<USocket> readable, IEnumerable<USocket> writable, IEnumerable<USocket> exceptional, double? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(readable);
        ArgumentNullException.ThrowIfNull(writable);
        ArgumentNullException.ThrowIfNull(exceptional);
        int ms = Poller.ToMilliseconds(timeout, nameof(timeout));
        USocket[] r = [.. readable], w = [.. writable], x = [.. exceptional];
        using var poller = new Poller(ClockOf(r.Concat(w).Concat(x)));
        var interest = new Dictionary<USocket, int>();
        foreach ((USocket[] list, int events, string name) in new[] { (r, POLLIN, nameof(readable)), (w, POLLOUT, nameof(writable)), (x, 0, nameof(exceptional)) })
        {
            foreach (USocket s in list)
            {
                ArgumentNullException.ThrowIfNull(s, name);
                interest[s] = interest.GetValueOrDefault(s) | events;
            }
        }

        foreach ((USocket s, int events) in interest)
        {
            poller.Register(s, events);
        }

        var ready = new Dictionary<USocket, int>();
        foreach ((USocket s, int events) in poller.Poll(ms))
        {
            ready[s] = events;
        }

        const int Trouble = POLLERR | POLLHUP | POLLNVAL;
        return (
            r.Where(s => (ready.GetValueOrDefault(s) & (POLLIN | Trouble)) != 0).ToList(),
            w.Where(s => (ready.GetValueOrDefault(s) & (POLLOUT | Trouble)) != 0).ToList(),
            x.Where(s => (ready.GetValueOrDefault(s) & Trouble) != 0).ToList());
    }

    private static TimeProvider ClockOf(IEnumerable<USocket> sockets)
    {
        TimeProvider? clock = null;
        foreach (USocket s in sockets)
        {
            if (s is null)
            {
                continue; // reported by the registration below
            }

            clock ??= s.TimeProvider;
            if (!ReferenceEquals(clock, s.TimeProvider))
            {
                return TimeProvider.System;
            }
        }

        return clock ?? TimeProvider.System;
    }
}
