using System.Collections;
using static Usock.USelect;

namespace Usock;

/// <summary>
/// The poller's wait: one kernel wait on the epoll set (woken early only by its wake descriptor: a close, a dispose,
/// buffered bytes, a cancelled token) and the sockets the kernel cannot see (closed, holding buffered bytes). The
/// portable wait, where there is no epoll, is in Poller.Portable.cs.
/// </summary>
public sealed partial class Poller
{
    private int PollCore(int timeoutMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int state = Interlocked.CompareExchange(ref _pollState, PollPolling, PollIdle);
        ObjectDisposedException.ThrowIf(state == PollDisposed || _disposed, this);
        if (state == PollPolling)
        {
            throw new InvalidOperationException("Another thread is polling this poller: one thread polls at a time.");
        }

        try
        {
            using CancellationTokenRegistration wake = cancellationToken.UnsafeRegister(static p => ((Poller)p!).WakeWait(), this);
            return PollLocked(timeoutMs, cancellationToken);
        }
        finally
        {
            if (Interlocked.CompareExchange(ref _pollState, PollIdle, PollPolling) == PollDisposed)
            {
                ReleaseWaitSet(); // disposed during the poll: the set is released here, after the wait
            }
        }
    }

    private int PollLocked(int timeoutMs, CancellationToken cancellationToken)
    {
        _generation++;
        _readyCount = 0;
        CheckAttention();
        if (_readyCount > 0)
        {
            timeoutMs = 0;
        }

        if (_epoll is null)
        {
            PollPortable(timeoutMs, cancellationToken);
            return _readyCount;
        }

        Deadline deadline = Deadline.Start(timeoutMs, _clock);
        _polling = true;
        try
        {
            while (true)
            {
                int wait = deadline.NextWaitMs(); // the kernel's wait is ended early by the wake descriptor, not by slices
                int capacity;
                lock (_lock)
                {
                    capacity = _byToken.Count + 1;
                }

                int e = _epoll.Wait(capacity, wait, out int count);
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (e != 0)
                {
                    throw new UsocketException(e);
                }

                bool woken = false;
                lock (_lock)
                {
                    for (int i = 0; i < count; i++)
                    {
                        (ulong token, uint events) = _epoll.Event(i);
                        if (token == Epoll.WakeToken)
                        {
                            woken = true;
                        }
                        else if (_byToken.TryGetValue(token, out Entry? entry))
                        {
                            Mark(entry, entry.Socket.Core.IsClosed ? POLLNVAL : FromEpoll(events, entry.Events));
                        }
                    }
                }

                if (woken)
                {
                    _epoll.DrainWake();
                    CheckAttention(); // a registered socket was closed (or got buffered bytes) on another thread
                    if (_readyCount == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }

                if (_readyCount > 0 || wait == 0)
                {
                    return _readyCount; // else interrupted, a wake-up with nothing to report, or a stale event: wait on
                }
            }
        }
        finally
        {
            _polling = false;
        }
    }

    // What the kernel cannot see: closed sockets, and bytes already in a socket's read buffer. Only the sockets that
    // told the poller so are looked at, so the cost follows them, not the number registered.
    private void CheckAttention()
    {
        lock (_lock)
        {
            if (_attention.Count == 0)
            {
                return;
            }

            _scratch.Clear();
            foreach (Entry entry in _attention)
            {
                if (entry.Socket.Core.IsClosed)
                {
                    Mark(entry, POLLNVAL);
                }
                else if ((entry.Events & POLLIN) != 0 && entry.Socket.HasBufferedData)
                {
                    Mark(entry, POLLIN);
                }
                else
                {
                    _scratch.Add(entry);
                }
            }

            foreach (Entry done in _scratch)
            {
                _attention.Remove(done);
            }
        }
    }

    private void OnAttention(Entry entry, bool wake)
    {
        lock (_lock)
        {
            if (_disposed || !_byToken.ContainsKey(entry.Token))
            {
                return;
            }

            _attention.Add(entry);
        }

        if (wake || _polling)
        {
            WakeWait();
        }
    }

    private void OnRenewed(Entry entry, Socket fresh)
    {
        lock (_lock)
        {
            if (!_disposed && _byToken.ContainsKey(entry.Token))
            {
                _epoll?.Add(fresh.SafeHandle, ToEpoll(entry.Events), entry.Token);
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
        _ready[_readyCount++] = (entry.Socket.Named, events);
    }
}
