// A non-blocking echo server written with the poller, as a MicroPython program would write it with uselect.
// docs/readiness-and-async.md walks through it; tests/Usock.Tests/ExampleServerTests.cs runs it.
using static Usock.USelect;

namespace Usock.Examples;

/// <summary>One thread, many clients: non-blocking sockets and one <see cref="Poller"/>.</summary>
public static class PollEchoServer
{
    /// <summary>Echoes every client on <paramref name="listener"/> (bound and listening) until <paramref name="stop"/> is cancelled.</summary>
    /// <param name="listener">A listening socket; made non-blocking here.</param>
    /// <param name="stop">Ends the loop (checked every 100 ms).</param>
    public static void Run(USocket listener, CancellationToken stop)
    {
        listener.SetBlocking(false);
        using Poller poller = USelect.Poll();
        poller.Register(listener, POLLIN);
        var pending = new Dictionary<USocket, byte[]>(); // bytes a full send buffer did not take yet
        while (!stop.IsCancellationRequested)
        {
            foreach ((USocket sock, int events) in poller.IPoll(100))
            {
                if (sock == listener)
                {
                    (USocket conn, _, _) = listener.Accept();
                    conn.SetBlocking(false);
                    poller.Register(conn, POLLIN);
                }
                else if ((events & (POLLERR | POLLNVAL)) != 0)
                {
                    Drop(poller, pending, sock);
                }
                else if ((events & POLLOUT) != 0)
                {
                    Flush(poller, pending, sock);
                }
                else if ((events & POLLIN) != 0)
                {
                    Echo(poller, pending, sock);
                }
            }
        }

        foreach (USocket sock in pending.Keys)
        {
            sock.Close();
        }
    }

    private static void Echo(Poller poller, Dictionary<USocket, byte[]> pending, USocket sock)
    {
        byte[] data;
        try
        {
            data = sock.Recv(4096);
        }
        catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
        {
            return;
        }
        catch (UsocketException)
        {
            Drop(poller, pending, sock); // reset, or the device profile's 107 at end of stream
            return;
        }

        if (data.Length == 0)
        {
            Drop(poller, pending, sock); // the client closed
            return;
        }

        int? sent = sock.Write(data);
        if ((sent ?? 0) < data.Length)
        {
            pending[sock] = data[(sent ?? 0)..];
            poller.Modify(sock, POLLOUT); // stop reading until the rest is out
        }
    }

    private static void Flush(Poller poller, Dictionary<USocket, byte[]> pending, USocket sock)
    {
        byte[] rest = pending[sock];
        int? sent = sock.Write(rest);
        if ((sent ?? 0) < rest.Length)
        {
            pending[sock] = rest[(sent ?? 0)..];
            return;
        }

        pending.Remove(sock);
        poller.Modify(sock, POLLIN);
    }

    private static void Drop(Poller poller, Dictionary<USocket, byte[]> pending, USocket sock)
    {
        poller.Unregister(sock);
        pending.Remove(sock);
        sock.Close();
    }
}
