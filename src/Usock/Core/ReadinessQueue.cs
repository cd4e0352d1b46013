using System.Threading.Tasks.Sources;

namespace Usock.Core;

/// <summary>
/// Async callers waiting for one direction (read or write) of one socket. The protocol: read <see cref="Sequence"/>, try
/// the non-blocking call, and only if it would block, <see cref="WaitAsync"/> with the sequence read before: an edge
/// that came in between makes the wait return at once, so no readiness is ever missed. A wait ends with 0 (ready: try
/// again), <see cref="Errno.ETIMEDOUT"/> (the call's deadline, on the socket's clock), <see cref="Errno.EBADF"/> (closed)
/// or <see cref="Canceled"/> (the caller's token). The first waiter uses a node the queue keeps, so a call that waits
/// allocates nothing; a second concurrent waiter gets a node of its own.
/// </summary>
internal sealed class ReadinessQueue
{
    /// <summary>What a wait ends with when the caller's token was cancelled (not an errno a socket reports).</summary>
    public const int Canceled = -1_000_001;

    private readonly SocketCore _owner;
    private readonly SelectMode _mode;
    private readonly Lock _lock = new();
    private readonly WaitNode _primary;
    private readonly List<WaitNode> _waiting = [];
    private int _sequence;
    private bool _closed;

    public ReadinessQueue(SocketCore owner, SelectMode mode)
    {
        _owner = owner;
        _mode = mode;
        _primary = new WaitNode(this);
    }

    public int Sequence => Volatile.Read(ref _sequence);

    /// <summary>The socket this queue belongs to.</summary>
    public SocketCore Owner => _owner;

    /// <summary>The direction waited for.</summary>
    public SelectMode Mode => _mode;

    /// <summary>True while a caller waits.</summary>
    public bool HasWaiters
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count > 0;
            }
        }
    }

    /// <summary>The socket became ready in this direction (an edge): every waiter tries again.</summary>
    public void Signal()
    {
        lock (_lock)
        {
            _sequence++;
            CompleteAll(0);
        }
    }

    /// <summary>The socket is closed: every waiter ends with EBADF, and so does every later wait.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _sequence++;
            CompleteAll(Errno.EBADF);
        }
    }

    public ValueTask<int> WaitAsync(int observedSequence, in Deadline deadline, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (deadline.RemainingMs() == 0)
        {
            return new ValueTask<int>(Errno.ETIMEDOUT);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new ValueTask<int>(Canceled);
        }

        // Edges from epoll; where there is none, the select thread watches the socket while this queue has a waiter.
        ReadinessEngine? engine = ReadinessEngine.Shared;
        SelectReadiness? portable = engine is null ? SelectReadiness.Shared : null;
        int e = engine is not null ? _owner.EnsureRegistered(engine)
            : portable is not null ? _owner.MakeNonBlocking()
            : Errno.ENOMEM;
        if (e != 0)
        {
            return new ValueTask<int>(e);
        }

        WaitNode node;
        lock (_lock)
        {
            if (_closed)
            {
                return new ValueTask<int>(Errno.EBADF);
            }

            if (_sequence != observedSequence)
            {
                return new ValueTask<int>(0); // an edge came after the caller's try: try again
            }

            node = _primary.IsIdle ? _primary : new WaitNode(this);
            if (!node.Arm(deadline, clock, cancellationToken))
            {
                return new ValueTask<int>(Errno.ETIMEDOUT); // the deadline passed since the check above
            }

            _waiting.Add(node);

            // Registered only once the node is waiting: a token cancelled since the check above runs the callback
            // inline, here, and it must find the node to complete (the lock is re-entered on this thread).
            node.WatchCancellation(cancellationToken);
        }

        portable?.Watch(this); // outside the lock: the select thread takes its lock, then the queue's
        return new ValueTask<int>(node, node.Version);
    }

    private void CompleteAll(int result)
    {
        foreach (WaitNode node in _waiting)
        {
            node.TryComplete(result);
        }

        _waiting.Clear();
    }

    // A timer or a cancellation ends one waiter, if it is still waiting (checked under the lock, so a node already
    // completed and armed again for a later wait is left alone).
    private void CompleteOne(WaitNode node, int result)
    {
        lock (_lock)
        {
            if (_waiting.Remove(node))
            {
                node.TryComplete(result);
            }
        }
    }

    /// <summary>One waiter: a reusable value-task source with its deadline timer and cancellation registration.</summary>
    private sealed class WaitNode : IValueTaskSource<int>
    {
        // The longest single timer period (ITimer takes at most 2^32-2 ms); a longer deadline re-arms when it fires.
        private const long MaxTimerMs = uint.MaxValue - 1;

        private readonly ReadinessQueue _queue;
        private ManualResetValueTaskSourceCore<int> _source;
        private ITimer? _timer;
        private TimeProvider? _timerClock;
        private Deadline _deadline;
        private CancellationToken _token;
        private CancellationTokenRegistration _registration;
        private int _state; // 0 idle, 1 waiting, 2 completed

        public WaitNode(ReadinessQueue queue)
        {
            _queue = queue;
            _source.RunContinuationsAsynchronously = true;
        }

        public bool IsIdle => Volatile.Read(ref _state) == 0;

        public short Version => _source.Version;

        /// <summary>Arms the node for one wait; false (nothing armed, the node stays idle) when the deadline has passed.
        /// The clock is read once, here: a wait is armed with a timer whenever it has a deadline at all. The caller then
        /// adds the node to the waiters and only then <see cref="WatchCancellation"/>.</summary>
        public bool Arm(in Deadline deadline, TimeProvider clock, CancellationToken cancellationToken)
        {
            long ms = deadline.RemainingMs();
            if (ms == 0)
            {
                return false;
            }

            _source.Reset();
            _deadline = deadline;
            _token = cancellationToken;
            Volatile.Write(ref _state, 1);
            if (ms > 0)
            {
                if (_timer is null || !ReferenceEquals(_timerClock, clock))
                {
                    _timer?.Dispose();
                    _timer = clock.CreateTimer(static n => ((WaitNode)n!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    _timerClock = clock;
                }

                _timer.Change(TimeSpan.FromMilliseconds(Math.Min(ms, MaxTimerMs)), Timeout.InfiniteTimeSpan);
            }

            return true;
        }

        /// <summary>Ends the wait with <see cref="Canceled"/> when the token is cancelled (at once, if it already is).</summary>
        public void WatchCancellation(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static n => ((WaitNode)n!).OnCanceled(), this);
            }
        }

        public bool TryComplete(int result)
        {
            if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
            {
                return false;
            }

            _source.SetResult(result);
            return true;
        }

        public int GetResult(short token)
        {
            try
            {
                return _source.GetResult(token);
            }
            finally
            {
                _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _registration.Unregister();
                _registration = default;
                _token = default;
                Volatile.Write(ref _state, 0);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _source.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _source.OnCompleted(continuation, state, token, flags);

        // A timer from an earlier wait may still fire: only a deadline that has really passed ends this one.
        private void OnTimer()
        {
            if (Volatile.Read(ref _state) != 1)
            {
                return;
            }

            long ms = _deadline.RemainingMs();
            if (ms != 0)
            {
                _timer?.Change(TimeSpan.FromMilliseconds(Math.Min(ms < 0 ? MaxTimerMs : ms, MaxTimerMs)), Timeout.InfiniteTimeSpan);
                return;
            }

            _queue.CompleteOne(this, Errno.ETIMEDOUT);
        }

        private void OnCanceled()
        {
            if (Volatile.Read(ref _state) == 1 && _token.IsCancellationRequested)
            {
                _queue.CompleteOne(this, Canceled);
            }
        }
    }
}
