using static Usock.USelect;

namespace Usock;

/// <summary>
/// The poller's wait where there is no epoll (hosts other than Linux, or <c>USOCK_EPOLL=0</c>, which CI uses to run
/// the poller's tests on this path): one <c>Socket.Select</c> over the registered sockets and a loopback
/// wake-up socket, so a close, a dispose or a cancelled token ends the wait at once, as the eventfd ends an epoll wait
/// (no slices). What Linux's poll answers — hung up, failed connect, end of stream — is rebuilt from select's three
/// lists and each socket's state, then mapped to the module's events by the same rule as epoll's answers.
/// </summary>
public sealed partial class Poller
{
    private readonly List<Socket> _selectRead = [];
    private readonly List<Socket> _selectWrite = [];
    private readonly List<Socket> _selectError = [];
    private readonly List<(Socket Raw, Entry Entry)> _selectOwners = [];

    private void PollPortable(int timeoutMs, CancellationToken cancellationToken)
    {
        Deadline deadline = Deadline.Start(timeoutMs, _clock);
        while (true)
        {
            int wait = deadline.NextWaitMs();
            bool woken = SelectOnce(wait);
            ObjectDisposedException.ThrowIf(_disposed, this);
            lock (_lock)
            {
                foreach ((Socket raw, Entry entry) in _selectOwners)
                {
                    bool readable = _selectRead.Contains(raw) || ((entry.Events & POLLIN) == 0 && EndShows(entry.Socket.Core, raw));
                    bool writable = _selectWrite.Contains(raw);
                    bool error = _selectError.Contains(raw);
                    if (entry.Socket.Core.IsClosed)
                    {
                        Mark(entry, POLLNVAL);
                    }
                    else if (readable || writable || error)
                    {
                        Mark(entry, FromEpoll(AsEpoll(entry.Socket.Core, raw, readable, writable, error), entry.Events));
                    }
                }
            }

            if (woken)
            {
                _portableWake!.Drain();
            }

            CheckAttention(); // a registered socket was closed (or got buffered bytes) on another thread
            if (_readyCount == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (_readyCount > 0 || wait == 0)
            {
                return;
            }
        }
    }

    // One wait in the kernel; true when the wake-up socket ended it (or a socket closed under it).
    private bool SelectOnce(int waitMs)
    {
        _selectRead.Clear();
        _selectWrite.Clear();
        _selectError.Clear();
        _selectOwners.Clear();
        lock (_lock)
        {
            foreach (Entry entry in _bySocket.Values)
            {
                // Entered for the length of the wait, as a call is: a close shuts the socket down (ending the wait)
                // and releases the handle only after it, so its peer gets every byte and a FIN, not a reset.
                if (!entry.Socket.Core.TryEnter(out Socket raw))
                {
                    continue; // a closed socket is reported by the attention check
                }

                _selectOwners.Add((raw, entry));
                if ((entry.Events & POLLIN) != 0)
                {
                    _selectRead.Add(raw);
                }

                if ((entry.Events & POLLOUT) != 0)
                {
                    _selectWrite.Add(raw);
                }

                _selectError.Add(raw);
            }
        }

        _selectRead.Add(_portableWake!.Socket);
        try
        {
            Socket.Select(_selectRead, _selectWrite.Count > 0 ? _selectWrite : null, _selectError, waitMs < 0 ? -1 : waitMs * 1000L > int.MaxValue ? int.MaxValue : waitMs * 1000);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Not expected (every socket is entered): the attention check reports what closed.
            _selectRead.Clear();
            _selectWrite.Clear();
            _selectError.Clear();
            return true;
        }
        finally
        {
            foreach ((Socket _, Entry entry) in _selectOwners)
            {
                entry.Socket.Core.Exit();
            }
        }

        return _selectRead.Remove(_portableWake.Socket);
    }

    // What Linux's poll would answer, from what select says: select reports the end of a stream, a failed connect and
    // a socket that never connected as "readable" (a pending error also in the error list); the socket's state and the
    // bytes waiting tell them apart. Nothing here reads the pending error (SO_ERROR), which the next call raises.
    private static uint AsEpoll(SocketCore core, Socket raw, bool readable, bool writable, bool error)
    {
        uint events = (readable ? Epoll.EPOLLIN : 0) | (writable ? Epoll.EPOLLOUT : 0) | (error ? Epoll.EPOLLERR : 0);
        if (core.Type != SocketType.Stream || core.State == ConnectState.Listening || !(readable || error) || !NothingToRead(raw))
        {
            return events;
        }

        // Readable with nothing to read: the end of the stream, or the connection's failure.
        return core.State switch
        {
            ConnectState.Connected => events | Epoll.EPOLLRDHUP,
            ConnectState.Connecting when error => Epoll.EPOLLOUT | Epoll.EPOLLERR | Epoll.EPOLLHUP, // the connect failed
            ConnectState.Connecting => events | Epoll.EPOLLRDHUP, // connected, and the peer has already closed
            _ => (events & ~Epoll.EPOLLIN) | Epoll.EPOLLHUP, // never connected (or failed): writable and hung up
        };
    }

    // A socket watched for POLLOUT only is not in select's read list, but Linux reports its hang-up and errors all the
    // same: a stream socket that is not established (a failed connect, the end of the stream) is looked at once.
    private static bool EndShows(SocketCore core, Socket raw)
    {
        if (core.Type != SocketType.Stream || core.State == ConnectState.Listening)
        {
            return false;
        }

        try
        {
            return raw.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static bool NothingToRead(Socket raw)
    {
        try
        {
            return raw.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }
}
