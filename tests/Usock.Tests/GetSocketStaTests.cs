using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Every TCP state a socket can be put in on loopback, read from the kernel. States that pass in a blink on
/// loopback (FIN_WAIT_1, LAST_ACK, CLOSING) are held by a FIN queued behind data the peer does not read.
/// </summary>
public class GetSocketStaTests
{
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void NewSocket_IsClosed(int af)
    {
        using var s = new USocket(af);
        Assert.Equal((int)TcpState.Closed, s.GetSocketSta());
    }

    [Fact]
    public void AfterClose_IsMinusOne()
    {
        var s = new USocket();
        s.Close();
        Assert.Equal(-1, s.GetSocketSta());
    }

    [Fact]
    public void UdpSocket_IsZero()
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        Assert.Equal(0, s.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Listener_IsListen(int af)
    {
        using USocket l = Loopback.Listener(af);
        Assert.Equal((int)TcpState.Listen, l.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ConnectedPair_IsEstablishedOnBothSides(int af)
    {
        using Pair p = Loopback.Connected(af);
        Assert.Equal((int)TcpState.Established, p.Client.GetSocketSta());
        Assert.Equal((int)TcpState.Established, p.Server.GetSocketSta());
    }

    [Fact]
    public void ConnectToFullBacklog_IsSynSent()
    {
        // Backlog 0 holds one connection; the kernel drops SYNs beyond a full accept queue, so the
        // third client keeps retransmitting its SYN.
        using var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        l.Bind(("127.0.0.1", 0));
        l.Listen(0);
        var fillers = new List<USocket>();
        try
        {
            USocket? waiting = null;
            for (int i = 0; i < 4 && waiting is null; i++)
            {
                var c = new USocket();
                fillers.Add(c);
                c.SetBlocking(false);
                Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
                Thread.Sleep(50);
                if (c.GetSocketSta() == (int)TcpState.SynSent)
                {
                    waiting = c;
                }
            }

            Assert.NotNull(waiting);
            Assert.Equal((int)TcpState.SynSent, waiting.GetSocketSta());
        }
        finally
        {
            fillers.ForEach(f => f.Close());
        }
    }

    [Fact]
    public void PeerShutdown_IsCloseWait_AndOursFinWait2()
    {
        using Pair p = Loopback.Connected();
        p.Server.Shutdown(USocket.SHUT_WR);
        Assert.True(Loopback.Eventually(() => p.Client.GetSocketSta() == (int)TcpState.CloseWait));
        Assert.True(Loopback.Eventually(() => p.Server.GetSocketSta() == (int)TcpState.FinWait2));
    }

    [Fact]
    public void ShutdownWithUnsentData_IsFinWait1()
    {
        using Pair p = Loopback.Connected();
        Buffers.Fill(p.Client, p.Server);
        p.Client.Shutdown(USocket.SHUT_WR);
        Assert.Equal((int)TcpState.FinWait1, p.Client.GetSocketSta());
    }

    [Fact]
    public void CloseWaitThenShutdownWithUnsentData_IsLastAck()
    {
        using Pair p = Loopback.Connected();
        p.Server.Shutdown(USocket.SHUT_WR);
        Assert.True(Loopback.Eventually(() => p.Client.GetSocketSta() == (int)TcpState.CloseWait));
        Buffers.Fill(p.Client, p.Server);
        p.Client.Shutdown(USocket.SHUT_WR);
        Assert.Equal((int)TcpState.LastAck, p.Client.GetSocketSta());
    }

    [Fact]
    public void BothCloseWithUnsentData_ReachesClosing()
    {
        // Each side's FIN waits behind data the other does not read. When the client drains its receive
        // queue, the server's data and FIN arrive while the client's own FIN is still queued: a
        // simultaneous close, CLOSING.
        using Pair p = Loopback.Connected();
        Buffers.Fill(p.Client, p.Server);
        Buffers.Fill(p.Server, p.Client);
        p.Client.Shutdown(USocket.SHUT_WR);
        p.Server.Shutdown(USocket.SHUT_WR);
        Assert.Equal((int)TcpState.FinWait1, p.Client.GetSocketSta());
        Assert.Equal((int)TcpState.FinWait1, p.Server.GetSocketSta());

        p.Client.SetTimeout(Loopback.Patience);
        Assert.NotEmpty(p.Client.Read()!); // to end of stream: the server's FIN has arrived

        Assert.Equal((int)TcpState.Closing, p.Client.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ActiveCloser_IsTimeWait_WhileStillOpen(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.Shutdown(USocket.SHUT_WR);
        Assert.True(Loopback.Eventually(() => p.Client.GetSocketSta() == (int)TcpState.FinWait2));
        p.Server.Shutdown(USocket.SHUT_WR);
        Assert.True(Loopback.Eventually(() => p.Client.GetSocketSta() == (int)TcpState.TimeWait));
        Assert.True(Loopback.Eventually(() => p.Server.GetSocketSta() == (int)TcpState.Closed));
    }

    [Fact]
    public void TcpInfoStates_MapToLwipNumbers()
    {
        int[] linux = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        TcpState[] lwip =
        [
            TcpState.Established, TcpState.SynSent, TcpState.SynRcvd, TcpState.FinWait1, TcpState.FinWait2,
            TcpState.TimeWait, TcpState.Closed, TcpState.CloseWait, TcpState.LastAck, TcpState.Listen, TcpState.Closing,
        ];
        for (int i = 0; i < linux.Length; i++)
        {
            Assert.Equal(lwip[i], Platform.HostOptions.FromLinux(linux[i]));
        }
    }
}
