using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;
using static Usock.USelect;

namespace Usock.Tests;

/// <summary>The uselect-style poller: each readiness case on real loopback sockets.</summary>
public class PollerTests
{
    [Fact]
    public void Constants_AreMicroPythons()
    {
        Assert.Equal(1, POLLIN);
        Assert.Equal(4, POLLOUT);
        Assert.Equal(8, POLLERR);
        Assert.Equal(16, POLLHUP);
        Assert.Equal(32, POLLNVAL);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Listener_WithPendingConnection_IsReadable(int af)
    {
        using USocket l = Loopback.Listener(af);
        using Poller p = USelect.Poll();
        p.Register(l, POLLIN);
        Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken));

        using var c = new USocket(af);
        c.Connect(l.GetSockName());
        var ready = p.Poll(5000, TestContext.Current.CancellationToken);
        Assert.Equal([(l, POLLIN)], ready);
        l.SetBlocking(false);
        (USocket conn, _, _) = l.Accept();
        conn.Close();
        Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ConnectInProgress_BecomesWritable_WhenDone()
    {
        using USocket l = Loopback.Listener();
        using var c = new USocket();
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
        using Poller p = USelect.Poll();
        p.Register(c, POLLOUT);
        var ready = p.Poll(5000, TestContext.Current.CancellationToken);
        Assert.Single(ready);
        Assert.Equal(POLLOUT, ready[0].Events);
        Assert.Equal((int)TcpState.Established, c.GetSocketSta());
        Assert.Equal(2, c.Send("hi"u8));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void ConnectRefused_IsWritableWithError_AndTheNextCallRaisesItOnce(UsocketProfile profile)
    {
        int port = FreePort();
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(("127.0.0.1", port)));
        using Poller p = USelect.Poll();
        p.Register(c, POLLOUT);
        var ready = p.Poll(5000, TestContext.Current.CancellationToken);
        Assert.Single(ready);
        Assert.Equal(POLLOUT | POLLERR | POLLHUP, ready[0].Events);

        int refused = profile == UsocketProfile.QuecPython ? Errno.ECONNRESET : Errno.ECONNREFUSED;
        Loopback.Raises(refused, () => c.Send("x"u8));
        var again = Assert.Throws<UsocketException>(() => c.Send("x"u8));
        Assert.NotEqual(refused, again.Errno); // raised once: the pending error is gone
    }

    [Fact]
    public void PeerClosed_IsReadableAndHungUp()
    {
        using Pair pair = Loopback.Connected();
        using Poller p = USelect.Poll();
        p.Register(pair.Client, POLLIN);
        Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken));
        pair.Server.Close();
        var ready = p.Poll(5000, TestContext.Current.CancellationToken);
        Assert.Single(ready);
        Assert.Equal(POLLIN | POLLHUP, ready[0].Events & (POLLIN | POLLHUP));
    }

    [Fact]
    public void PeerReset_IsError()
    {
        using USocket l = Loopback.Listener();
        using System.Net.Sockets.Socket raw = Loopback.RawClient(l.GetSockName());
        (USocket conn, _, _) = l.Accept();
        using (conn)
        {
            using Poller p = USelect.Poll();
            p.Register(conn, POLLIN);
            raw.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            raw.Close();
            var ready = p.Poll(5000, TestContext.Current.CancellationToken);
            Assert.Single(ready);
            Assert.Equal(POLLERR, ready[0].Events & POLLERR);
            Loopback.Raises(Errno.ECONNRESET, () => conn.Recv(10));
        }
    }

    [Fact]
    public void BufferedBytes_CountAsReadable()
    {
        using Pair pair = Loopback.Connected();
        pair.Server.Send("one\ntwo\n"u8);
        pair.Client.SetTimeout(Loopback.Patience);
        Assert.Equal("one\n"u8.ToArray(), pair.Client.ReadLine());
        using Poller p = USelect.Poll();
        p.Register(pair.Client, POLLIN);
        Assert.Equal([(pair.Client, POLLIN)], p.Poll(0, TestContext.Current.CancellationToken)); // "two\n" is in Usock's buffer, not the kernel's
        Assert.Equal("two\n"u8.ToArray(), pair.Client.ReadLine());
        Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ClosedRegisteredSocket_IsNval()
    {
        var s = new USocket();
        using Poller p = USelect.Poll();
        p.Register(s, POLLIN);
        s.Close();
        Assert.Equal([(s, POLLNVAL)], p.Poll(0, TestContext.Current.CancellationToken));
        p.Unregister(s);
        Assert.Equal(0, p.Count);
    }

    [Fact]
    public void ModifyAndUnregister()
    {
        using Pair pair = Loopback.Connected();
        using Poller p = USelect.Poll();
        p.Register(pair.Client, POLLIN);
        Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken));
        p.Modify(pair.Client, POLLOUT);
        Assert.Equal([(pair.Client, POLLOUT)], p.Poll(0, TestContext.Current.CancellationToken));
        p.Register(pair.Client, POLLIN); // registering again modifies, as in MicroPython
        Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken));
        p.Unregister(pair.Client);
        p.Unregister(pair.Client); // not registered: nothing happens
        Loopback.Raises(Errno.ENOENT, () => p.Modify(pair.Client, POLLIN));
    }

    [Fact]
    public void BadArguments()
    {
        using var s = new USocket();
        using Poller p = USelect.Poll();
        Assert.Throws<ArgumentNullException>("socket", () => p.Register((USocket)null!));
        Assert.Throws<ArgumentOutOfRangeException>("events", () => p.Register(s, 2));
        var closed = new USocket();
        closed.Close();
        Loopback.Raises(Errno.EBADF, () => p.Register(closed));
        p.Dispose();
        Assert.Throws<ObjectDisposedException>(() => p.Poll(0, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Timeout_WaitsThatLong()
    {
        using Pair pair = Loopback.Connected();
        using Poller p = USelect.Poll();
        p.Register(pair.Client, POLLIN);
        var sw = Stopwatch.StartNew();
        Assert.Empty(p.Poll(200, TestContext.Current.CancellationToken));
        Assert.InRange(sw.ElapsedMilliseconds, 150, 3000);
    }

    [Fact]
    public void IPoll_EnumeratesWithoutAllocating()
    {
        using Pair pair = Loopback.Connected();
        using Poller p = USelect.Poll();
        p.Register(pair.Client, POLLOUT);
        p.Register(pair.Server, POLLOUT);
        int seen = 0;
        foreach ((USocket _, int events) in p.IPoll(0))
        {
            seen += events;
        }

        Assert.Equal(2 * POLLOUT, seen);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            foreach ((USocket _, int events) in p.IPoll(0))
            {
                seen += events;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void IPoll_ResultsReplacedByALaterPoll_Throw()
    {
        using Pair pair = Loopback.Connected();
        using Poller p = USelect.Poll();
        p.Register(pair.Client, POLLOUT);
        Poller.ReadyEvents first = p.IPoll(0);
        p.Poll(0, TestContext.Current.CancellationToken);
        Assert.Throws<InvalidOperationException>(() => first.GetEnumerator());
    }

    [Fact]
    public void FiveThousandRegistered_OneReady_IsFound()
    {
        using USocket l = Loopback.Listener(backlog: 4096);
        var clients = new List<USocket>();
        var servers = new List<USocket>();
        try
        {
            for (int i = 0; i < 2500; i++)
            {
                var c = new USocket();
                c.Connect(l.GetSockName());
                clients.Add(c);
                servers.Add(l.Accept().Conn);
            }

            using Poller p = USelect.Poll();
            foreach (USocket s in clients.Concat(servers))
            {
                p.Register(s, POLLIN);
            }

            Assert.Equal(5000, p.Count);
            Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken));
            servers[1234].Send("!"u8);
            var ready = p.Poll(5000, TestContext.Current.CancellationToken);
            Assert.Equal([(clients[1234], POLLIN)], ready);
        }
        finally
        {
            clients.ForEach(c => c.Close());
            servers.ForEach(s => s.Close());
        }
    }

    [Fact]
    public void Select_ReturnsReadyLists()
    {
        using Pair pair = Loopback.Connected();
        pair.Server.Send("x"u8);
        Assert.True(Loopback.Eventually(() => USelect.Select([pair.Client], [], [], 0).Readable.Count == 1));
        var (r, w, x) = USelect.Select([pair.Client, pair.Server], [pair.Server], [pair.Client], 1);
        Assert.Equal([pair.Client], r);
        Assert.Equal([pair.Server], w);
        Assert.Empty(x);
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => USelect.Select([], [], [], -1));
    }

    // MicroPython tests/net_hosted/connect_poll.py: polling before, during and after connect. The original connects to
    // a distant host so the connect takes a while; a listener with a full backlog holds it in SYN_SENT here.
    [Fact]
    public void MicroPythonConnectPoll_BeforeDuringAfter()
    {
        using var s = new USocket();
        using Poller p = USelect.Poll();
        p.Register(s);
        var before = p.Poll(0, TestContext.Current.CancellationToken);
        Assert.Single(before);
        Assert.Equal(POLLOUT, before[0].Events & (POLLIN | POLLOUT)); // a new socket is writable (and hung up)

        using var l = new USocket();
        l.Bind(("127.0.0.1", 0));
        l.Listen(0);
        var fillers = new List<USocket>();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                var f = new USocket();
                f.SetBlocking(false);
                Loopback.Raises(Errno.EINPROGRESS, () => f.Connect(l.GetSockName()));
                fillers.Add(f);
            }

            Assert.True(Loopback.Eventually(() => fillers.Any(f => f.GetSocketSta() == (int)TcpState.SynSent)));
            s.SetBlocking(false);
            Loopback.Raises(Errno.EINPROGRESS, () => s.Connect(l.GetSockName()));
            Assert.Empty(p.Poll(0, TestContext.Current.CancellationToken)); // during the connection: neither readable nor writable
        }
        finally
        {
            fillers.ForEach(f => f.Close());
        }

        using USocket live = Loopback.Listener();
        using var t = new USocket();
        p.Register(t);
        t.Connect(live.GetSockName());
        p.Unregister(s);
        var after = p.Poll(1000, TestContext.Current.CancellationToken);
        Assert.Equal([(t, POLLOUT)], after); // established: writable, nothing else
    }

    // MicroPython tests/net_hosted/accept_nonblock.py, and the poll loop a non-blocking server runs around it.
    [Fact]
    public void MicroPythonAcceptNonblock_ThenPollThenAccept()
    {
        using USocket l = Loopback.Listener();
        l.SetBlocking(false);
        Loopback.Raises(Errno.EAGAIN, () => l.Accept());
        using Poller p = USelect.Poll();
        p.Register(l, POLLIN);
        using var c = new USocket();
        c.Connect(l.GetSockName());
        Assert.Equal([(l, POLLIN)], p.Poll(5000, TestContext.Current.CancellationToken));
        (USocket conn, string ip, int port) = l.Accept();
        using (conn)
        {
            Assert.Equal(c.GetSockName(), (ip, port));
        }
    }

    // MicroPython tests/net_hosted/connect_nonblock_xfer.py, completed with the poll a program uses to know when to send.
    [Fact]
    public void MicroPythonConnectNonblockXfer_PollWritableThenTransfer()
    {
        using USocket l = Loopback.Listener();
        using var c = new USocket();
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
        using Poller p = USelect.Poll();
        p.Register(c, POLLOUT);
        Assert.Equal([(c, POLLOUT)], p.Poll(5000, TestContext.Current.CancellationToken));
        Assert.Equal(4, c.Send("1234"u8));
        Assert.Equal(4, c.Write("5678"u8));
        Loopback.Raises(Errno.EAGAIN, () => c.Recv(10));
        Assert.Null(c.Read(10));
        (USocket conn, _, _) = l.Accept();
        using (conn)
        {
            conn.SetTimeout(5);
            Assert.Equal("12345678"u8.ToArray(), conn.Read(8));
            conn.Send("ok"u8);
            p.Modify(c, POLLIN);
            Assert.Equal([(c, POLLIN)], p.Poll(5000, TestContext.Current.CancellationToken));
            Assert.Equal("ok"u8.ToArray(), c.Recv(10));
        }
    }

    private static int FreePort()
    {
        using var probe = new USocket();
        probe.Bind(("127.0.0.1", 0));
        return probe.GetSockName().Port;
    }
}
