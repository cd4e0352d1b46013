using System.Collections;
using static Usock.USelect;

namespace Usock;

/// <summary>
/// A set of sockets to wait on, as MicroPython's <c>uselect.poll</c> object: <see cref="Register(USocket, int)"/>,
/// <see cref="Modify(USocket, int)"/>, <see cref="Unregister(USocket)"/>, <see cref="Poll(int)"/> and the allocation-free <see cref="IPoll"/>.
/// Event values are <see cref="USelect.POLLIN"/> (1), <see cref="USelect.POLLOUT"/> (4), <see cref="USelect.POLLERR"/>
/// (8), <see cref="USelect.POLLHUP"/> (16) and <see cref="USelect.POLLNVAL"/> (32).
/// </summary>
/// <remarks>
/// <para>On Linux it is backed by epoll: the cost of a poll follows the number of ready sockets, not registered
/// ones. Elsewhere it falls back to <see cref="Socket.Select(IList, IList, IList, int)"/>.</para>
/// <para>Bytes a socket's stream methods have buffered count as readable, so a <see cref="USocket.ReadLine"/> loop
/// driven by the poller never waits for data it already holds; so do the decrypted bytes a TLS socket holds (a
/// <see cref="USslSocket"/> registers as a plain socket does, and its results name the socket underneath).</para>
/// <para>A failed non-blocking connect shows as <see cref="USelect.POLLOUT"/> with <see cref="USelect.POLLERR"/>;
/// the poller does not consume the error, and the next call on the socket raises it, once.</para>
/// <para>The poller holds what it registered (the socket's core, and a token of its own in the kernel's set, never the
/// descriptor number): closing a socket and opening another that gets the same number never confuses the two, and a
/// socket whose handle a POSIX-profile <c>Connect</c> retry renewed stays registered.</para>
/// <para>Closing a registered socket on another thread wakes a <see cref="Poll(int)"/> in progress, which reports it with
/// <see cref="USelect.POLLNVAL"/>; disposing the poller wakes it too, and it throws <see cref="ObjectDisposedException"/>.
/// Register, Modify and Unregister may be called from any thread; one thread polls at a time.</para>
/// </remarks>
public sealed partial class Poller : IDisposable
{
    private const int PollIdle = 0;
    private const int PollPolling = 1;
    private const int PollDisposed = 2;

    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private readonly Epoll? _epoll;
    private readonly LoopbackWake? _portableWake; // where there is no epoll
    private readonly Dictionary<IPollable, Entry> _bySocket = [];
    private readonly Dictionary<ulong, Entry> _byToken = [];
    private readonly HashSet<Entry> _attention = []; // closed, or holding buffered bytes: what the kernel cannot see
    private readonly List<Entry> _scratch = [];
    private (USocket Socket, int Events)[] _ready = new (USocket, int)[16];
    private int _readyCount;
    private int _generation;
    private ulong _nextToken;
    private volatile bool _disposed;
    private volatile bool _polling;
    private int _pollState; // Idle, Polling, or Disposed: the kernel set is released by whoever finishes last

    /// <summary>Creates an empty poller (see also <see cref="USelect.Poll"/>), timing its waits on the system's clock.</summary>
    /// <exception cref="UsocketException">The host refused to create the kernel poll set (e.g. 24 EMFILE).</exception>
    public Poller()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates an empty poller that times its waits on <paramref name="timeProvider"/> (the clock the sockets
    /// use, <see cref="UsocketOptions.TimeProvider"/>; a fake one lets tests run poll timeouts without waiting).</summary>
    /// <param name="timeProvider">The clock of the poll timeouts.</param>
    /// <exception cref="ArgumentNullException"><paramref name="timeProvider"/> is null.</exception>
    /// <exception cref="UsocketException">The host refused to create the kernel poll set (e.g. 24 EMFILE).</exception>
    public Poller(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _clock = timeProvider;
        if (Epoll.IsSupported)
        {
            int e = Epoll.Create(out _epoll);
            if (e == 0)
            {
                e = _epoll!.AddWake();
            }

            if (e != 0)
            {
                _epoll?.Dispose();
                throw new UsocketException(e);
            }
        }
        else
        {
            int e = LoopbackWake.Create(out _portableWake);
            if (e != 0)
            {
                throw new UsocketException(e);
            }
        }
    }

    /// <summary>How many sockets are registered.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _bySocket.Count;
            }
        }
    }

    /// <summary>Adds a socket, or changes its events if it is already registered (as MicroPython does).</summary>
    /// <param name="socket">The socket.</param>
    /// <param name="events"><see cref="USelect.POLLIN"/> and/or <see cref="USelect.POLLOUT"/> (default both);
    /// errors and hang-ups are always reported.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="events"/> has bits other than the five events.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    /// <exception cref="UsocketException">9 EBADF when the socket is closed.</exception>
    public void Register(USocket socket, int events = POLLIN | POLLOUT) => RegisterCore(socket, events);

    /// <summary>Adds a TLS socket, or changes its events: readable when decrypted bytes wait in its buffer or the
    /// socket underneath is readable. Results name its <see cref="USslSocket.Socket"/>.</summary>
    /// <param name="socket">The TLS socket.</param>
    /// <param name="events">As for <see cref="Register(USocket, int)"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="events"/> has bits other than the five events.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    /// <exception cref="UsocketException">9 EBADF when the socket is closed.</exception>
    public void Register(USslSocket socket, int events = POLLIN | POLLOUT) => RegisterCore(socket, events);

    /// <summary>Changes the events of a registered TLS socket. See <see cref="Modify(USocket, int)"/>.</summary>
    /// <param name="socket">A registered TLS socket.</param>
    /// <param name="events">The new events.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="UsocketException">2 ENOENT when the socket is not registered.</exception>
    public void Modify(USslSocket socket, int events) => ModifyCore(socket, events);

    /// <summary>Removes a TLS socket. See <see cref="Unregister(USocket)"/>.</summary>
    /// <param name="socket">The TLS socket.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    public void Unregister(USslSocket socket) => UnregisterCore(socket);

    private void RegisterCore(IPollable socket, int events)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(socket);
        CheckEvents(events);
        lock (_lock)
        {
            if (_bySocket.ContainsKey(socket))
            {
                ModifyLocked(socket, events);
                return;
            }

            var entry = new Entry(this, socket, ++_nextToken, events);
            SocketCore core = socket.Core;
            if (!core.AddWatcher(entry))
            {
                throw new UsocketException(Errno.EBADF);
            }

            int e = _epoll is null ? 0 : core.With(s => _epoll.Add(s.SafeHandle, ToEpoll(events), entry.Token));
            if (e != 0)
            {
                core.RemoveWatcher(entry);
                throw new UsocketException(e);
            }

            _bySocket[socket] = entry;
            _byToken[entry.Token] = entry;
            if (socket.HasBufferedData)
            {
                _attention.Add(entry);
            }
        }
    }

    /// <summary>Changes the events of a registered socket.</summary>
    /// <param name="socket">A registered socket.</param>
    /// <param name="events">The new events.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="events"/> has bits other than the five events.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    /// <exception cref="UsocketException">2 ENOENT when the socket is not registered (MicroPython's error).</exception>
    public void Modify(USocket socket, int events) => ModifyCore(socket, events);

    private void ModifyCore(IPollable socket, int events)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(socket);
        CheckEvents(events);
        lock (_lock)
        {
            ModifyLocked(socket, events);
        }
    }

    /// <summary>Removes a socket. Removing one that is not registered does nothing, as in MicroPython.</summary>
    /// <param name="socket">The socket.</param>
    /// <remarks>The kernel's set is changed through the socket's own handle, held for the call, so a closed socket's
    /// descriptor number, reused by another socket, is never touched.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed.</exception>
    public void Unregister(USocket socket) => UnregisterCore(socket);

    private void UnregisterCore(IPollable socket)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(socket);
        lock (_lock)
        {
            if (!_bySocket.Remove(socket, out Entry? entry))
            {
                return;
            }

            _byToken.Remove(entry.Token);
            _attention.Remove(entry);
            socket.Core.RemoveWatcher(entry);

            // Closed: the kernel dropped it from the set when the handle closed; nothing to do (and its number may be
            // another socket's by now). Open: removed through its own handle.
            if (_epoll is not null)
            {
                socket.Core.With(s => _epoll.Remove(s.SafeHandle));
            }
        }
    }

    /// <summary>Waits for events, as <c>poll.poll(timeout)</c>.</summary>
    /// <param name="timeoutMs">Milliseconds to wait; negative waits until something is ready, 0 does not wait.</param>
    /// <returns>The ready sockets with their events (a new list each call).</returns>
    /// <exception cref="ObjectDisposedException">The poller is disposed (also when that happens during the wait).</exception>
    /// <exception cref="InvalidOperationException">Another thread is polling this poller.</exception>
    /// <exception cref="UsocketException">The wait itself failed.</exception>
    public IReadOnlyList<(USocket Socket, int Events)> Poll(int timeoutMs = -1) => Poll(timeoutMs, CancellationToken.None);

    /// <summary>Waits for events, as <see cref="Poll(int)"/>, until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="timeoutMs">Milliseconds to wait; negative waits until something is ready, 0 does not wait.</param>
    /// <param name="cancellationToken">Ends the wait at once (the wake descriptor the poller waits on is written).</param>
    /// <returns>The ready sockets with their events (a new list each call).</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled before anything was ready.</exception>
    /// <exception cref="ObjectDisposedException">The poller is disposed (also when that happens during the wait).</exception>
    /// <exception cref="InvalidOperationException">Another thread is polling this poller.</exception>
    /// <exception cref="UsocketException">The wait itself failed.</exception>
    public IReadOnlyList<(USocket Socket, int Events)> Poll(int timeoutMs, CancellationToken cancellationToken)
    {
        int n = PollCore(timeoutMs, cancellationToken);
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
    /// <exception cref="ObjectDisposedException">The poller is disposed (also when that happens during the wait).</exception>
    /// <exception cref="InvalidOperationException">Another thread is polling this poller.</exception>
    /// <exception cref="UsocketException">The wait itself failed.</exception>
    public ReadyEvents IPoll(int timeoutMs = -1) => new(this, PollCore(timeoutMs, CancellationToken.None), _generation);

    /// <summary>Releases the kernel poll set and wakes a poll in progress. The sockets stay open.</summary>
    public void Dispose()
    {
        Entry[] entries;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            entries = [.. _bySocket.Values];
            _bySocket.Clear();
            _byToken.Clear();
            _attention.Clear();
        }

        foreach (Entry entry in entries)
        {
            entry.Socket.Core.RemoveWatcher(entry);
        }

        // A poll in progress is woken and releases the set itself on its way out: closing the wake-up descriptor
        // under it could take the wake-up away before the wait has seen it.
        WakeWait();
        if (Interlocked.Exchange(ref _pollState, PollDisposed) == PollIdle)
        {
            ReleaseWaitSet();
        }
    }

    // Ends a wait in progress on another thread (or the next one).
    private void WakeWait()
    {
        _epoll?.Wake();
        _portableWake?.Wake();
    }

    private void ReleaseWaitSet()
    {
        _epoll?.Dispose();
        _portableWake?.Dispose();
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

    private static uint ToEpoll(int events) =>
        ((events & POLLIN) != 0 ? Epoll.EPOLLIN : 0) | ((events & POLLOUT) != 0 ? Epoll.EPOLLOUT : 0) | Epoll.EPOLLRDHUP;

    private void ModifyLocked(IPollable socket, int events)
    {
        if (!_bySocket.TryGetValue(socket, out Entry? entry))
        {
            throw new UsocketException(Errno.ENOENT);
        }

        entry.Events = events;
        if (_epoll is not null)
        {
            int e = socket.Core.With(s => _epoll.Modify(s.SafeHandle, ToEpoll(events), entry.Token));
            if (e is not 0 and not Errno.EBADF and not Errno.ENOENT)
            {
                throw new UsocketException(e);
            }
        }

        if ((events & POLLIN) != 0 && socket.HasBufferedData)
        {
            _attention.Add(entry);
        }
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

    private sealed class Entry(Poller poller, IPollable socket, ulong token, int events) : SocketCore.IWatcher
    {
        public IPollable Socket { get; } = socket;

        public ulong Token { get; } = token;

        public int Events { get; set; } = events;

        public int Generation { get; set; }

        public int Slot { get; set; }

        public void OnClosed(SocketCore core) => poller.OnAttention(this, wake: true);

        public void OnBuffered(SocketCore core) => poller.OnAttention(this, wake: false);

        public void OnHandleRenewed(SocketCore core, Socket old, Socket fresh) => poller.OnRenewed(this, fresh);
    }
}
