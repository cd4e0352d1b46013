using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>listen(backlog)</c> and <c>accept()</c>: the 3-tuple, the accepted socket's mode, errors and timeouts.</summary>
public class ListenAcceptTests
{
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Accept_ReturnsConnIpAndPort_OfTheClient(int af)
    {
        using USocket l = Loopback.Listener(af);
        l.SetTimeout(Loopback.Patience);
        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());

        (USocket conn, string address, int port) = l.Accept();
        using (conn)
        {
            Assert.Equal(c.GetSockName(), (address, port));
            Assert.Equal(Loopback.Host(af), address);
            Assert.Equal(l.GetSockName(), conn.GetSockName());
            Assert.Equal(af, conn.Family);
            Assert.Equal((int)TcpState.Established, conn.GetSocketSta());
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AcceptedSocket_IsBlocking_WhenListenerIsNonBlocking(int af)
    {
        using USocket l = Loopback.Listener(af);
        l.SetBlocking(false);
        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());

        USocket? conn = null;
        Assert.True(Loopback.Eventually(() =>
        {
            try
            {
                (conn, _, _) = l.Accept();
                return true;
            }
            catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
            {
                return false;
            }
        }));
        using (conn)
        {
            Assert.NotNull(conn);
            Assert.Null(conn.Timeout);
            Assert.True(conn.RawSocket!.Blocking);
            Assert.Equal(0, l.Timeout); // the listener keeps its own mode
        }
    }

    [Fact]
    public async Task AcceptedSocket_IsBlocking_WhenListenerHasATimeout()
    {
        using USocket l = Loopback.Listener();
        l.SetTimeout(Loopback.Patience);
        using var c = new USocket();
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());

        (USocket conn, _, _) = l.Accept();
        using (conn)
        {
            Assert.Null(conn.Timeout);
            Assert.True(conn.RawSocket!.Blocking);

            // Blocking for real: a Recv waits for data sent later instead of raising.
            Task sender = Task.Run(async () =>
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                c.Send("late");
            }, TestContext.Current.CancellationToken);
            Assert.Equal("late"u8.ToArray(), conn.Read(4));
            await sender;
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-100)]
    public void ListenNegativeBacklog_CountsAsZero(int backlog)
    {
        using var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        l.Bind(("127.0.0.1", 0));
        l.Listen(backlog);
        Assert.Equal((int)TcpState.Listen, l.GetSocketSta());

        // Backlog 0 queues one connection and drops later SYNs; a negative backlog passed through unchanged
        // would be read by the kernel as "as many as allowed", and every client would connect.
        var clients = new List<USocket>();
        try
        {
            bool someoneWaits = false;
            for (int i = 0; i < 8 && !someoneWaits; i++)
            {
                var c = new USocket();
                clients.Add(c);
                c.SetBlocking(false);
                Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
                Thread.Sleep(50);
                someoneWaits = c.GetSocketSta() == (int)TcpState.SynSent;
            }

            Assert.True(someoneWaits, "a negative backlog should leave room for a single connection");
            l.SetTimeout(Loopback.Patience);
            (USocket conn, _, _) = l.Accept();
            conn.Dispose();
        }
        finally
        {
            clients.ForEach(c => c.Close());
        }
    }

    [Theory]
    [InlineData(USocket.AF_INET, "0.0.0.0")]
    [InlineData(USocket.AF_INET6, "::")]
    public void ListenWithoutBind_BindsWildcardAndAFreePort(int af, string wildcard)
    {
        using var l = new USocket(af);
        l.Listen();
        (string host, int port) = l.GetSockName();
        Assert.Equal(wildcard, host);
        Assert.NotEqual(0, port);

        l.SetTimeout(Loopback.Patience);
        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect((Loopback.Host(af), port));
        (USocket conn, string address, _) = l.Accept();
        conn.Dispose();
        Assert.Equal(Loopback.Host(af), address);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ListenOnUdp_RaisesEOPNOTSUPP(int af)
    {
        using var s = new USocket(af, USocket.SOCK_DGRAM);
        s.Bind((Loopback.Host(af), 0));
        Loopback.Raises(Errno.EOPNOTSUPP, () => s.Listen());
    }

    [Fact]
    public void AcceptOnUnboundSocket_RaisesEINVAL()
    {
        using var s = new USocket();
        Loopback.Raises(Errno.EINVAL, () => s.Accept());
    }

    [Fact]
    public void AcceptOnBoundNotListeningSocket_RaisesEINVAL()
    {
        using var s = new USocket();
        s.Bind(("127.0.0.1", 0));
        s.SetTimeout(0.2);
        Loopback.Raises(Errno.EINVAL, () => s.Accept());
    }

    [Fact]
    public void AcceptOnConnectedSocket_RaisesEINVAL()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(0.2);
        Loopback.Raises(Errno.EINVAL, () => p.Client.Accept());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AcceptNonBlocking_NobodyWaiting_RaisesEAGAIN(int af)
    {
        using USocket l = Loopback.Listener(af);
        l.SetBlocking(false);
        var sw = Stopwatch.StartNew();
        Loopback.Raises(Errno.EAGAIN, () => l.Accept());
        Assert.InRange(sw.ElapsedMilliseconds, 0, 1000);
        Assert.Equal((int)TcpState.Listen, l.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AcceptTimeoutElapsed_RaisesETIMEDOUT_AndListenerStillWorks(int af)
    {
        using USocket l = Loopback.Listener(af);
        l.SetTimeout(0.2);
        var sw = Stopwatch.StartNew();
        Loopback.Raises(Errno.ETIMEDOUT, () => l.Accept());
        Assert.InRange(sw.ElapsedMilliseconds, 150, 2000);
        Assert.Equal(0.2, l.Timeout);

        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());
        l.SetTimeout(Loopback.Patience);
        (USocket conn, _, int port) = l.Accept();
        conn.Dispose();
        Assert.Equal(c.GetSockName().Port, port);
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void AcceptedSocket_InheritsProfileAndLimits(UsocketProfile profile)
    {
        using USocket l = Loopback.Listener(USocket.AF_INET, profile);
        l.MaxLineLength = 100;
        l.MaxReadAllBytes = 1000;
        l.SetTimeout(Loopback.Patience);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());

        (USocket conn, _, _) = l.Accept();
        using (conn)
        {
            Assert.Equal(profile, conn.Profile);
            Assert.Equal(100, conn.MaxLineLength);
            Assert.Equal(1000, conn.MaxReadAllBytes);

            // The limit is in force: a 150-byte line is too long for the accepted socket.
            conn.SetTimeout(Loopback.Patience);
            c.SendAll(new byte[150]);
            Loopback.Raises(Errno.ENOBUFS, () => conn.ReadLine());
        }
    }

    [Fact]
    public void AcceptOnClosedListener_RaisesEBADF()
    {
        USocket l = Loopback.Listener();
        l.Close();
        Loopback.Raises(Errno.EBADF, () => l.Accept());
    }

    [Fact]
    public async Task AcceptBlocked_EndsWithEBADF_WhenClosedFromAnotherThread()
    {
        using USocket l = Loopback.Listener();
        l.SetTimeout(Loopback.Patience);
        var sw = Stopwatch.StartNew();
        Task<UsocketException> blocked = Task.Run(() => Assert.Throws<UsocketException>(() => l.Accept()), TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        l.Close();
        UsocketException e = await blocked.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken);
        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(sw.ElapsedMilliseconds, 0, 8000);
    }
}
