using System.Collections.Concurrent;

namespace Usock.Core;

/// <summary>
/// The async members' readiness source on Linux: one epoll set and one thread for the process. A socket is added the
/// first time an async call on it would wait, edge-triggered, with a token of its own (never its descriptor number);
/// each edge bumps the socket's read or write <see cref="ReadinessQueue"/>, which completes whoever waits. The async
/// call then runs the same non-blocking primitive the synchronous member uses.
/// </summary>
internal sealed class ReadinessEngine
{
    private const uint ReadEvents = Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLHUP | Epoll.EPOLLERR;
    private const uint WriteEvents = Epoll.EPOLLOUT | Epoll.EPOLLHUP | Epoll.EPOLLERR;

    private static readonly Lazy<ReadinessEngine?> s_shared = new(Start);
    private static long s_nextToken;

    private readonly Epoll _epoll;
    private readonly ConcurrentDictionary<ulong, SocketCore> _cores = new();

    private ReadinessEngine(Epoll epoll) => _epoll = epoll;

    /// <summary>The process's engine; null where epoll does not exist (the queues then use <see cref="SelectReadiness"/>).</summary>
    public static ReadinessEngine? Shared => s_shared.Value;

    /// <summary>Adds a socket's handle under a new token. Returns 0 or an errno.</summary>
    public int Register(SocketCore core, Socket s, out ulong token)
    {
        token = (ulong)Interlocked.Increment(ref s_nextToken);
        _cores[token] = core;
        int e = _epoll.Add(s.SafeHandle, Epoll.EPOLLIN | Epoll.EPOLLOUT | Epoll.EPOLLRDHUP | Epoll.EPOLLET, token);
        if (e != 0)
        {
            _cores.TryRemove(token, out _);
        }

        return e;
    }

    /// <summary>Adds a renewed handle under the socket's existing token.</summary>
    public int Reregister(Socket s, ulong token) =>
        _epoll.Add(s.SafeHandle, Epoll.EPOLLIN | Epoll.EPOLLOUT | Epoll.EPOLLRDHUP | Epoll.EPOLLET, token);

    /// <summary>Removes a handle (while the caller still owns it, so its number cannot belong to another socket yet).</summary>
    public void Remove(Socket s) => _epoll.Remove(s.SafeHandle);

    /// <summary>Forgets a token: a late event for it finds nobody.</summary>
    public void Forget(ulong token) => _cores.TryRemove(token, out _);

    private static ReadinessEngine? Start()
    {
        if (!Epoll.IsSupported || Epoll.Create(out Epoll? epoll) != 0)
        {
            return null;
        }

        var engine = new ReadinessEngine(epoll!);
        var thread = new Thread(engine.Run) { IsBackground = true, Name = "Usock readiness" };
        thread.Start();
        return engine;
    }

    private void Run()
    {
        while (true)
        {
            if (_epoll.Wait(256, -1, out int count) != 0)
            {
                Thread.Sleep(1); // not expected (EBADF/EFAULT); never spin
                continue;
            }

            for (int i = 0; i < count; i++)
            {
                (ulong token, uint events) = _epoll.Event(i);
                if (_cores.TryGetValue(token, out SocketCore? core))
                {
                    core.SignalReady((events & ReadEvents) != 0, (events & WriteEvents) != 0);
                }
            }
        }
    }
}
