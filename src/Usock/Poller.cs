using System.Collections;
using System.Diagnostics;
using System.Net.Sockets;
using Usock.Platform;
using static Usock.USelect;

namespace Usock;

/// <summary>
/// A set of sockets to wait on, as MicroPython's <c>uselect.poll</c> object: <see cref="Register"/>,
/// <see cref="Modify"/>, <see cref="Unregister"/>, <see cref="Poll"/> and the allocation-free <see cref="IPoll"/>.
/// Event values are <see cref="USelect.POLLIN"/> (1), <see cref="USelect.POLLOUT"/> (4), <see cref="USelect.POLLERR"/>
/// (8), <see cref="USelect.POLLHUP"/> (16) and <see cref="USelect.POLLNVAL"/> (32).
/// </summary>
/// <remarks>
/// <para>On Linux it is backed by epoll: the cost of a poll follows the number of ready sockets, not registered
/// ones. Elsewhere it falls back to <see cref="Socket.Select(IList, IList, IList, int)"/>.</para>
/// <para>Bytes a socket's stream methods have buffered count as readable, so a <see cref="USocket.ReadLine"/> loop
/// driven by the poller never waits for data it already holds.</para>
/// <para>A failed non-blocking connect shows as <see cref="USelect.POLLOUT"/> with <see cref="USelect.POLLERR"/>;
/// the poller does not consume the error, and the next call on the socket raises it, once.</para>
/// <para>Not thread-safe: one thread registers and polls. A socket that a POSIX-profile <c>Connect</c> retry renewed
/// must be registered again.</para>
/// </remarks>
public sealed class Poller : IDisposable
{
    private readonly Epoll? _epoll;
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<USocket, Entry> _bySocket = [];
    private readonly Dictionary<int, Entry> _byFd = [];
    private (USocket Socket, int Events)[] _ready = new (USocket, int)[16];
    private int _readyCount;
    private int _generation;
    private bool _disposed;

    /// <summary>Creates an empty poller (see also <see cref="USelect.Poll"/>).</summary>
    /// <exception cref="UsocketException">The host refused to create the kernel poll set (e.g. 24 EMFILE).</exception>
    public Poller()
    {
        if (Epoll.IsSupported)
        {
            int e = Epoll.Create(out _epoll);
            if (e != 0)
            {
                throw new UsocketException(e);
            }
        }
    }

    /// <summary>How many sockets are registered.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds a socket, or changes its events if it is already registered (as MicroPython does).</summary>
    /// <param name="socket">The socket.</param>
    /// <param name="events"><see cref="USelect.POLLIN"/> and/or <see cref="USelect.POLLOUT"/> (default both);
    /// errors and hang-ups are always reported.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="events"/> has bits other than the five events.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    /// <exception cref="UsocketException">9 EBADF when the socket is closed.</exception>
    public void Register(USocket socket, int events = POLLIN | POLLOUT)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(socket);
        CheckEvents(events);
        if (_bySocket.ContainsKey(socket))
        {
            Modify(socket, events);
            return;
        }

        int fd = FdOf(socket);
        var entry = new Entry(socket, fd, events);
        if (_epoll is not null)
        {
            int e = _epoll.Add(fd, ToEpoll(events));
            if (e != 0)
            {
                throw new UsocketException(e);
            }
        }

        _byFd[fd] = entry;
        _bySocket[socket] = entry;
        entry.Index = _entries.Count;
        _entries.Add(entry);
    }

    /// <summary>Changes the events of a registered socket.</summary>
    /// <param name="socket">A registered socket.</param>
    /// <param name="events">The new events.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="events"/> has bits other than the five events.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    /// <exception cref="UsocketException">2 ENOENT when the socket is not registered (MicroPython's error).</exception>
    public void Modify(USocket socket, int events)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(socket);
        CheckEvents(events);
        if (!_bySocket.TryGetValue(socket, out Entry? entry))
        {
            throw new UsocketException(Errno.ENOENT);
        }

        entry.Events = events;
        if (_epoll is not null && !socket.IsClosed)
        {
            int e = _epoll.Modify(entry.Fd, ToEpoll(events));
            if (e != 0 && e != Errno.EBADF && e != Errno.ENOENT)
            {
                throw new UsocketException(e);
            }
        }
    }

    /// <summary>Removes a socket. Removing one that is not registered does nothing, as in MicroPython.</summary>
    /// <param name="socket">The socket.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    public void Unregister(USocket socket)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(socket);
        if (!_bySocket.Remove(socket, out Entry? entry))
        {
            return;
        }

        if (_byFd.TryGetValue(entry.Fd, out Entry? same) && same == entry)
        {
            _byFd.Remove(entry.Fd);
        }

        _epoll?.Remove(entry.Fd); // fails harmlessly when the socket is already closed: the kernel dropped it
        Entry last = _entries[^1];
        _entries[entry.Index] = last;
        last.Index = entry.Index;
        _entries.RemoveAt(_entries.Count - 1);
    }

    /// <summary>Waits for events, as <c>poll.poll(timeout)</c>.</summary>
    /// <param name="timeoutMs">Milliseconds to wait; negative waits until something is ready, 0 does not wait.</param>
    /// <returns>The ready sockets with their events (a new list each call).</returns>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    /// <exception cref="UsocketException">The wait itself failed.</exception>
    public IReadOnlyList<(USocket Socket, int Events)> Poll(int timeoutMs = -1)
    {
        int n = PollCore(timeoutMs);
        var result = new List<(USocket Socket, int Events)>(n);
        for (int i = 0; i < n; i++)
        {
            result.Add(_ready[i]);
        }

        return result;
    }

    /// <summary>
    /// Waits for events without allocating, as <c>poll.ipoll(timeout)</c>: the results are valid until the next
    /// poll on this poller.
    /// </summary>
    /// <param name="timeoutMs">Milliseconds to wait; negative waits until something is ready, 0 does not wait.</param>
    /// <returns>The ready sockets with their events, to enumerate with <c>foreach</c>.</returns>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    /// <exception cref="UsocketException">The wait itself failed.</exception>
    public ReadyEvents IPoll(int timeoutMs = -1) => new(this, PollCore(timeoutMs), _generation);

    /// <summary>Releases the kernel poll set. The sockets stay open.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _epoll?.Dispose();
        }
    }

    internal static int ToMilliseconds(double? seconds, string paramName)
    {
        if (seconds is null)
        {
            return -1;
        }

        double v = seconds.Value;
        if (double.IsNaN(v) || v < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, v, "A timeout is null (wait) or a number of seconds >= 0.");
        }

        return v * 1000 >= int.MaxValue ? -1 : (int)Math.Ceiling(v * 1000);
    }

    private static void CheckEvents(int events)
    {
        if ((events & ~(POLLIN | POLLOUT | POLLERR | POLLHUP | POLLNVAL)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(events), events, "Events are POLLIN (1), POLLOUT (4), POLLERR (8), POLLHUP (16) and POLLNVAL (32).");
        }
    }

    private static int FdOf(USocket socket)
    {
        Socket raw = socket.RawSocket ?? throw new UsocketException(Errno.EBADF);
        try
        {
            return (int)raw.SafeHandle.DangerousGetHandle();
        }
        catch (ObjectDisposedException)
        {
            throw new UsocketException(Errno.EBADF);
        }
    }

    private static uint ToEpoll(int events) =>
        ((events & POLLIN) != 0 ? Epoll.EPOLLIN : 0) | ((events & POLLOUT) != 0 ? Epoll.EPOLLOUT : 0) | Epoll.EPOLLRDHUP;

    private int PollCore(int timeoutMs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _generation++;
        _readyCount = 0;

        // What the kernel cannot see: closed sockets, and bytes already in a socket's read buffer.
        foreach (Entry entry in _entries)
        {
            if (entry.Socket.IsClosed)
            {
                Mark(entry, POLLNVAL);
            }
            else if ((entry.Events & POLLIN) != 0 && entry.Socket.HasBufferedData)
            {
                Mark(entry, POLLIN);
            }
        }

        if (_readyCount > 0)
        {
            timeoutMs = 0;
        }

        if (_epoll is null)
        {
            PollPortable(timeoutMs);
            return _readyCount;
        }

        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            int wait = timeoutMs < 0 ? -1 : Math.Max(0, timeoutMs - (int)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            int e = _epoll.Wait(_entries.Count, wait, out int count);
            if (e != 0)
            {
                throw new UsocketException(e);
            }

            for (int i = 0; i < count; i++)
            {
                (int fd, uint events) = _epoll.Event(i);
                if (_byFd.TryGetValue(fd, out Entry? entry))
                {
                    Mark(entry, FromEpoll(events, entry.Events));
                }
            }

            if (_readyCount > 0 || wait == 0)
            {
                return _readyCount; // else interrupted, or an event for a socket no longer registered: wait on
            }
        }
    }

    private static int FromEpoll(uint events, int interest)
    {
        int mask = 0;
        if ((events & (Epoll.EPOLLIN | Epoll.EPOLLRDHUP)) != 0 && (interest & POLLIN) != 0)
        {
            mask |= POLLIN;
        }

        if ((events & Epoll.EPOLLOUT) != 0 && (interest & POLLOUT) != 0)
        {
            mask |= POLLOUT;
        }

        if ((events & Epoll.EPOLLERR) != 0)
        {
            mask |= POLLERR;
        }

        if ((events & (Epoll.EPOLLHUP | Epoll.EPOLLRDHUP)) != 0)
        {
            mask |= POLLHUP; // the peer closed (readable and hung up, as MicroPython reports it)
        }

        return mask;
    }

    private void PollPortable(int timeoutMs)
    {
        var read = new List<Socket>();
        var write = new List<Socket>();
        var error = new List<Socket>();
        var owners = new Dictionary<Socket, Entry>();
        foreach (Entry entry in _entries)
        {
            if (entry.Socket.RawSocket is not Socket raw || entry.Socket.IsClosed)
            {
                continue;
            }

            owners[raw] = entry;
            if ((entry.Events & POLLIN) != 0)
            {
                read.Add(raw);
            }

            if ((entry.Events & POLLOUT) != 0)
            {
                write.Add(raw);
            }

            error.Add(raw);
        }

        if (owners.Count == 0)
        {
            if (timeoutMs != 0)
            {
                Thread.Sleep(timeoutMs);
            }

            return;
        }

        try
        {
            Socket.Select(read, write, error, timeoutMs < 0 ? -1 : timeoutMs * 1000);
        }
        catch (SocketException e)
        {
            throw new UsocketException(Errno.FromSocketError(e.SocketErrorCode));
        }

        foreach (Socket s in read)
        {
            Mark(owners[s], POLLIN);
        }

        foreach (Socket s in write)
        {
            Mark(owners[s], POLLOUT);
        }

        foreach (Socket s in error)
        {
            Mark(owners[s], POLLERR);
        }
    }

    private void Mark(Entry entry, int events)
    {
        if (events == 0)
        {
            return;
        }

        if (entry.Generation == _generation)
        {
            _ready[entry.Slot].Events |= events;
            return;
        }

        if (_readyCount == _ready.Length)
        {
            Array.Resize(ref _ready, _ready.Length * 2);
        }

        entry.Generation = _generation;
        entry.Slot = _readyCount;
        _ready[_readyCount++] = (entry.Socket, events);
    }

    /// <summary>The results of <see cref="IPoll"/>: enumerable without allocation, valid until the next poll.</summary>
    public readonly struct ReadyEvents
    {
        private readonly Poller _poller;
        private readonly int _generation;

        internal ReadyEvents(Poller poller, int count, int generation)
        {
            _poller = poller;
            Count = count;
            _generation = generation;
        }

        /// <summary>How many sockets are ready.</summary>
        public int Count { get; }

        /// <summary>The enumerator for <c>foreach</c>.</summary>
        /// <returns>An enumerator over (socket, events).</returns>
        /// <exception cref="InvalidOperationException">The poller has polled again since.</exception>
        public Enumerator GetEnumerator()
        {
            if (_poller._generation != _generation)
            {
                throw new InvalidOperationException("These results were replaced by a later poll.");
            }

            return new Enumerator(_poller._ready, Count);
        }

        /// <summary>Enumerates (socket, events) pairs.</summary>
        public struct Enumerator
        {
            private readonly (USocket Socket, int Events)[] _items;
            private readonly int _count;
            private int _index;

            internal Enumerator((USocket Socket, int Events)[] items, int count)
            {
                _items = items;
                _count = count;
                _index = -1;
            }

            /// <summary>The current (socket, events).</summary>
            public readonly (USocket Socket, int Events) Current => _items[_index];

            /// <summary>Moves to the next ready socket.</summary>
            /// <returns>False at the end.</returns>
            public bool MoveNext() => ++_index < _count;
        }
    }

    private sealed class Entry(USocket socket, int fd, int events)
    {
        public USocket Socket { get; } = socket;

        public int Fd { get; } = fd;

        public int Events { get; set; } = events;

        public int Index { get; set; }

        public int Generation { get; set; }

        public int Slot { get; set; }
    }
}
