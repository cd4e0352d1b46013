namespace Usock.Core;

/// <summary>
/// The async members' readiness source where there is no epoll (hosts other than Linux, or <c>USOCK_EPOLL=0</c>, which
/// CI uses to run the async tests on this path): one thread for the process in one <c>Socket.Select</c> over the
/// sockets that have a waiter, and a loopback wake-up socket that ends the wait when a waiter comes. Level-triggered:
/// a socket is watched while one of its <see cref="ReadinessQueue"/>s has a waiter, and each readiness it sees bumps
/// that queue, whose waiters then try their call again (and watch again if it would still block). The waiters'
/// deadlines, cancellation and close are the queue's, as with epoll: nothing here runs in slices.
/// </summary>
internal sealed class SelectReadiness
{
    private static readonly Lazy<SelectReadiness?> s_shared = new(Start);

    private readonly LoopbackWake _wake;
    private readonly Lock _lock = new();
    private readonly HashSet<ReadinessQueue> _watched = [];
    private readonly List<ReadinessQueue> _snapshot = [];
    private readonly List<Socket> _read = [];
    private readonly List<Socket> _write = [];
    private readonly List<Socket> _error = [];
    private readonly List<(Socket Raw, ReadinessQueue Queue)> _owners = [];

    private SelectReadiness(LoopbackWake wake) => _wake = wake;

    /// <summary>The process's select thread; null only when the host refuses a loopback socket.</summary>
    public static SelectReadiness? Shared => s_shared.Value;

    /// <summary>Watches a queue's socket until it is ready in the queue's direction (or the queue has no waiter).</summary>
    public void Watch(ReadinessQueue queue)
    {
        lock (_lock)
        {
            if (!_watched.Add(queue))
            {
                return;
            }
        }

        _wake.Wake();
    }

    private static SelectReadiness? Start()
    {
        if (LoopbackWake.Create(out LoopbackWake? wake) != 0)
        {
            return null;
        }

        var engine = new SelectReadiness(wake!);
        var thread = new Thread(engine.Run) { IsBackground = true, Name = "Usock readiness (select)" };
        thread.Start();
        return engine;
    }

    private void Run()
    {
        while (true)
        {
            Gather();
            _read.Add(_wake.Socket);
            try
            {
                Socket.Select(_read, _write.Count > 0 ? _write : null, _error.Count > 0 ? _error : null, -1);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Not expected (every socket is entered); gather again.
                _read.Clear();
                _write.Clear();
                _error.Clear();
            }
            finally
            {
                foreach ((Socket _, ReadinessQueue queue) in _owners)
                {
                    queue.Owner.Exit();
                }
            }

            if (_read.Remove(_wake.Socket))
            {
                _wake.Drain();
            }

            foreach ((Socket raw, ReadinessQueue queue) in _owners)
            {
                bool failed = _error.Contains(raw);
                if (failed || (queue.Mode == SelectMode.SelectRead ? _read : _write).Contains(raw))
                {
                    lock (_lock)
                    {
                        _watched.Remove(queue);
                    }

                    queue.Signal();
                }
            }
        }
    }

    // The sockets to wait for: each watched queue that still has a waiter, in its direction.
    private void Gather()
    {
        _read.Clear();
        _write.Clear();
        _error.Clear();
        _owners.Clear();
        _snapshot.Clear();
        lock (_lock)
        {
            _watched.RemoveWhere(q => !q.HasWaiters);
            _snapshot.AddRange(_watched);
        }

        foreach (ReadinessQueue queue in _snapshot)
        {
            // Entered for the length of the wait, as a call is: a close then shuts the socket down (which ends the
            // wait) and releases the handle only after it, so the peer still gets every byte and a FIN, not a reset.
            if (!queue.Owner.TryEnter(out Socket raw))
            {
                continue; // closed: its queue has ended its waiters
            }

            _owners.Add((raw, queue));
            (queue.Mode == SelectMode.SelectRead ? _read : _write).Add(raw);
            if (!_error.Contains(raw))
            {
                _error.Add(raw);
            }
        }
    }
}
