namespace Usock.Tests;

// What is checked after a case (the socket still works, or stays closed), and the cases' small helpers.
public partial class BadInputTests
{
    // ---------------------------------------------------------------- what happens after a case

    private static AfterCheck AfterRoundTrip => new("a round trip works", RoundTrip);
    private static AfterCheck AfterConnects => new("it still connects", ConnectsLater);
    private static AfterCheck AfterAccepts => new("it still accepts", Accepts);
    private static AfterCheck AfterUdp => new("a datagram round trip works", UdpWorks);
    private static AfterCheck AfterClosed => new("it stays closed", StaysClosed);
    private static AfterCheck AfterUnbound => new("it is still unbound, and still works", c =>
    {
        Assert.Equal(0, c.S.GetSockName().Port);
        DefaultAfter(c.On)!.Value.Check(c);
    });

    private static AfterCheck? DefaultAfter(On on) => on switch
    {
        On.Tcp4 or On.Tcp6 => AfterConnects,
        On.Udp4 or On.Udp6 => AfterUdp,
        On.Connected4 or On.Connected6 => AfterRoundTrip,
        On.Listening4 => AfterAccepts,
        On.Closed or On.ClosedConnected or On.ClosedUdp => AfterClosed,
        _ => null,
    };

    /// <summary>A connected socket still moves bytes both ways.</summary>
    private static void RoundTrip(Ctx c) => RoundTrip(c.S, c.Peer);

    private static void RoundTrip(USocket a, USocket b)
    {
        a.SetTimeout(AfterTimeout);
        b.SetTimeout(AfterTimeout);
        a.SendAll("ping\n");
        Assert.Equal("ping\n"u8.ToArray(), b.ReadLine());
        b.SendAll("pong\n");
        Assert.Equal("pong\n"u8.ToArray(), a.ReadLine());
    }

    /// <summary>A socket that was never connected connects to a fresh listener and moves bytes.</summary>
    private static void ConnectsLater(Ctx c)
    {
        USocket l = c.NewListener();
        l.SetTimeout(AfterTimeout);
        c.S.SetTimeout(AfterTimeout);
        c.S.Connect(Loopback.Address(l));
        (USocket conn, _, _) = l.Accept();
        c.Own(conn);
        RoundTrip(c.S, conn);
    }

    private static void Accepts(Ctx c)
    {
        USocket client = c.Own(new USocket(c.Af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, c.Profile));
        client.SetTimeout(AfterTimeout);
        client.Connect((Loopback.Host(c.Af), c.S.GetSockName().Port));
        c.S.SetTimeout(AfterTimeout);
        (USocket conn, _, _) = c.S.Accept();
        c.Own(conn);
        RoundTrip(client, conn);
    }

    private static void UdpWorks(Ctx c)
    {
        if (c.S.GetSockName().Port == 0)
        {
            c.S.Bind(c.Loop());
        }

        // To itself over loopback (a SendTo that failed may have bound it to the wildcard address).
        (string Host, int Port) self = c.Loop(c.S.GetSockName().Port);
        c.S.SetTimeout(AfterTimeout);
        Assert.Equal(3, c.S.SendTo("udp"u8, self));
        (byte[] bytes, (string Host, int Port) from) = c.S.RecvFrom(100);
        Assert.Equal("udp"u8.ToArray(), bytes);
        Assert.Equal(self, from);
    }

    private static void StaysClosed(Ctx c)
    {
        Assert.True(c.S.IsClosed);
        Assert.Equal(-1, c.S.GetSocketSta());
        c.S.Close();
        Loopback.Raises(Errno.EBADF, () => c.S.Recv(1));
    }

    private static void SecondConnectIsEALREADY(Ctx c) =>
        Loopback.Raises(Errno.EALREADY, () => c.S.Connect(Loopback.Address(c.NewListener())));

    private static void PeerStillSends(Ctx c)
    {
        c.Peer.SetTimeout(AfterTimeout);
        c.S.SetTimeout(AfterTimeout);
        c.Peer.SendAll("back\n");
        Assert.Equal("back\n"u8.ToArray(), c.S.ReadLine());
    }

    private static void OwnSendStillArrives(Ctx c)
    {
        c.Peer.SetTimeout(AfterTimeout);
        c.S.SetTimeout(AfterTimeout);
        c.S.SendAll("still\n");
        Assert.Equal("still\n"u8.ToArray(), c.Peer.ReadLine());
    }

    private static Stream File(Ctx c, string mode) => c.File(mode);

    // The async members run to completion on the case's own thread (the deadline covers them as any other call).
    private static void Wait(ValueTask task) => task.AsTask().GetAwaiter().GetResult();

    private static T Wait<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    private static void WithPoller(Action<Poller> act)
    {
        using var p = new Poller();
        act(p);
    }

    private static Poller Disposed()
    {
        var p = new Poller();
        p.Dispose();
        return p;
    }

    private static string Show(string s)
    {
        var b = new System.Text.StringBuilder("\"");
        foreach (char ch in s.Length > 40 ? s[..20] + "..." + s[^8..] + $"({s.Length} chars)" : s)
        {
            b.Append(ch switch
            {
                '\0' => "\\0",
                '\n' => "\\n",
                _ when ch > 126 => $"\\u{(int)ch:x4}",
                _ => new string(ch, 1),
            });
        }

        return b.Append('"').ToString();
    }
}
