using System.Net;

namespace Usock.Tests;

// The table's cases for options, timeouts, shutdown and names, the async members, the poller, and calls on a
// closed socket.
public partial class BadInputTests
{
    private static void SetSockOptCases(CaseTable t)
    {
        // Unknown options and levels: the device logs a warning and does nothing, POSIX raises 92.
        (string Text, int Level, int Opt)[] unknown =
        [
            ("SOL_SOCKET, 12345", USocket.SOL_SOCKET, 12345),
            ("level 9999, 77", 9999, 77),
            ("SOL_SOCKET, -1", USocket.SOL_SOCKET, -1),
            ("SOL_SOCKET, 0", USocket.SOL_SOCKET, 0),
            ("IPPROTO_TCP, int.MaxValue", USocket.IPPROTO_TCP, int.MaxValue),
            ("int.MinValue, int.MinValue", int.MinValue, int.MinValue),
        ];
        foreach ((string text, int level, int opt) in unknown)
        {
            t.Add($"SetSockOpt({text}, 1) unknown", On.Connected4, c => c.S.SetSockOpt(level, opt, 1), Returns, "a warning is logged, and a round trip works", c =>
            {
                Assert.Single(c.Warnings);
                RoundTrip(c);
            });
            t.Add($"SetSockOpt({text}, 1) unknown", On.Connected4, c => c.S.SetSockOpt(level, opt, 1), Raises(Errno.ENOPROTOOPT), profile: P);
        }

        t.Add("SetSockOpt(SOL_SOCKET, 12345, 1) unknown", On.Tcp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, 12345, 1), Raises(Errno.ENOPROTOOPT), profile: P);
        t.Add("SetSockOpt(SOL_SOCKET, 12345, 1) unknown", On.Udp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, 12345, 1), Raises(Errno.ENOPROTOOPT), profile: P);
        t.Add("SetSockOpt(SOL_SOCKET, 12345, bytes[0]) unknown", On.Connected4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, 12345, ReadOnlySpan<byte>.Empty), Returns);
        t.Add("SetSockOpt(SOL_SOCKET, 12345, bytes[0]) unknown", On.Connected4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, 12345, ReadOnlySpan<byte>.Empty), Raises(Errno.ENOPROTOOPT), profile: P);

        // The documented options are recognised whatever the level, as the firmware ignores it.
        t.Add("SetSockOpt(level 9999, SO_REUSEADDR, 1) any level", On.Tcp4, c => c.S.SetSockOpt(9999, USocket.SO_REUSEADDR, 1), Returns);
        t.Add("SetSockOpt(level -1, TCP_KEEPALIVE, 5) any level", On.Connected4, c => c.S.SetSockOpt(-1, USocket.TCP_KEEPALIVE, 5), Returns, profile: P);
        t.Add("SetSockOpt(SOL_SOCKET, SO_REUSEADDR, int.MinValue) non-zero is on", On.Tcp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, int.MinValue), Returns);

        foreach (int minutes in new[] { 0, 121, -1, int.MaxValue, int.MinValue })
        {
            t.Add($"SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, {minutes})", On.Connected4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, minutes), Raises(Errno.EINVAL));
        }

        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, 0)", On.Connected4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 0), Raises(Errno.EINVAL), profile: P);
        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, 121)", On.Tcp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 121), Raises(Errno.EINVAL), profile: P);
        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, 0) on SOCK_DGRAM", On.Udp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 0), Raises(Errno.EINVAL));
        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, 5) on SOCK_DGRAM", On.Udp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 5), Returns);
        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, 5) on SOCK_DGRAM", On.Udp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 5), Raises(Errno.ENOPROTOOPT), profile: P);

        foreach (int length in new[] { 0, 3, 5, 8 })
        {
            t.Add($"SetSockOpt(SOL_SOCKET, SO_REUSEADDR, bytes[{length}])", On.Tcp4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, new byte[length]), Throws<ArgumentException>("value"));
        }

        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, bytes[2])", On.Connected4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, new byte[2]), Throws<ArgumentException>("value"));
        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, bytes of 0)", On.Connected4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, BitConverter.GetBytes(0)), Raises(Errno.EINVAL));
        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, bytes of 121)", On.Connected4, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, BitConverter.GetBytes(121)), Raises(Errno.EINVAL), profile: P);
    }

    private static void TimeoutCases(CaseTable t)
    {
        (string Text, double Value)[] bad =
        [
            ("-1", -1), ("-0.001", -0.001), ("-1e-300", -1e-300), ("NaN", double.NaN), ("+Infinity", double.PositiveInfinity),
            ("-Infinity", double.NegativeInfinity), ("1e10", 1e10), ("int.MaxValue + 1.0", int.MaxValue + 1.0),
            ("double.MaxValue", double.MaxValue), ("double.MinValue", double.MinValue),
        ];
        foreach ((string text, double value) in bad)
        {
            t.Add($"SetTimeout({text})", On.Connected4, c => c.S.SetTimeout(value), Throws<ArgumentOutOfRangeException>("seconds"),
                "the socket still blocks (Timeout null), and a round trip works", c =>
                {
                    Assert.Null(c.S.Timeout);
                    RoundTrip(c);
                });
        }

        t.Add("SetTimeout(NaN) after SetTimeout(2.5)", On.Connected4, c =>
        {
            c.S.SetTimeout(2.5);
            c.S.SetTimeout(double.NaN);
        }, Throws<ArgumentOutOfRangeException>("seconds"), "the timeout stays 2.5 s, and a round trip works", c =>
        {
            Assert.Equal(2.5, c.S.Timeout);
            RoundTrip(c);
        }, P);
        t.Add("SetTimeout(-1) after SetBlocking(false)", On.Connected6, c =>
        {
            c.S.SetBlocking(false);
            c.S.SetTimeout(-1);
        }, Throws<ArgumentOutOfRangeException>("seconds"), "it stays non-blocking (Recv raises 11), and a round trip works", c =>
        {
            Assert.Equal(0, c.S.Timeout);
            Loopback.Raises(Errno.EAGAIN, () => c.S.Recv(1));
            RoundTrip(c);
        });
        t.Add("SetTimeout(-Infinity) on a listener", On.Listening4, c => c.S.SetTimeout(double.NegativeInfinity), Throws<ArgumentOutOfRangeException>("seconds"));
        t.Add("SetTimeout(-0.0) is non-blocking", On.Connected4, c =>
        {
            c.S.SetTimeout(-0.0);
            Assert.Equal(0, c.S.Timeout);
        }, Returns);
        t.Add("SetTimeout(double.Epsilon) rounds up to 1 ms", On.Connected4, c =>
        {
            c.S.SetTimeout(double.Epsilon);
            Assert.Equal(0.001, c.S.Timeout);
        }, Returns);
        t.Add("SetTimeout(int.MaxValue) is the largest", On.Connected4, c =>
        {
            c.S.SetTimeout(int.MaxValue);
            Assert.Equal(int.MaxValue, c.S.Timeout);
        }, Returns, profile: P);
        t.Add("SetBlocking(false) then Recv(1) non-blocking", On.Connected4, c =>
        {
            c.S.SetBlocking(false);
            c.S.Recv(1);
        }, Raises(Errno.EAGAIN));
    }

    private static void ShutdownAndNameCases(CaseTable t)
    {
        foreach (int how in new[] { 3, -1, int.MaxValue, int.MinValue })
        {
            t.Add($"Shutdown({how})", On.Connected4, c => c.S.Shutdown(how), Throws<ArgumentOutOfRangeException>("how"));
        }

        t.Add("Shutdown(3) before Connect", On.Tcp4, c => c.S.Shutdown(3), Throws<ArgumentOutOfRangeException>("how"));
        t.Add("Shutdown(-1)", On.Connected6, c => c.S.Shutdown(-1), Throws<ArgumentOutOfRangeException>("how"), profile: P);

        // ENOTCONN must leave the socket as it was: Linux still marks an unconnected socket shut down, so a later
        // connection could not send (TCP: 32) or a UDP socket could not send and would read empty.
        foreach (int how in new[] { USocket.SHUT_RD, USocket.SHUT_WR, USocket.SHUT_RDWR })
        {
            t.Add($"Shutdown({how}) before Connect", On.Tcp4, c => c.S.Shutdown(how), Raises(Errno.ENOTCONN));
        }

        t.Add("Shutdown(SHUT_WR) before Connect", On.Tcp6, c => c.S.Shutdown(USocket.SHUT_WR), Raises(Errno.ENOTCONN), profile: P);
        t.Add("Shutdown(SHUT_RDWR) on unconnected SOCK_DGRAM", On.Udp4, c => c.S.Shutdown(USocket.SHUT_RDWR), Raises(Errno.ENOTCONN));

        t.Add("GetPeerName() before Connect", On.Tcp4, c => c.S.GetPeerName(), Raises(Errno.ENOTCONN));
        t.Add("GetPeerName() on unconnected SOCK_DGRAM", On.Udp6, c => c.S.GetPeerName(), Raises(Errno.ENOTCONN), profile: P);
        t.Add("GetPeerName() on a listener", On.Listening4, c => c.S.GetPeerName(), Raises(Errno.ENOTCONN));
        t.Add("GetSockName() before Bind is the wildcard, port 0", On.Tcp6, c => Assert.Equal(("::", 0), c.S.GetSockName()), Returns);
        t.Add("GetSocketSta() on SOCK_DGRAM is 0", On.Udp4, c => Assert.Equal(0, c.S.GetSocketSta()), Returns);
    }

    private static void AsyncCases(CaseTable t)
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        CancellationToken gone = cancelled.Token; // a token cancelled before the call: the call starts nothing

        t.Add("ConnectAsync((null, 80))", On.Tcp4, c => Wait(c.S.ConnectAsync((null!, 80))), Throws<ArgumentNullException>("address"));
        t.Add("ConnectAsync((IPEndPoint)null)", On.Tcp4, c => Wait(c.S.ConnectAsync((IPEndPoint)null!)), Throws<ArgumentNullException>("endPoint"), profile: P);
        t.Add("ConnectAsync((\"127.0.0.1\", 65536))", On.Tcp4, c => Wait(c.S.ConnectAsync(("127.0.0.1", 65536))), Throws<ArgumentOutOfRangeException>("address"));
        t.Add("ConnectAsync((\"::1\", 80)) IPv6 literal on AF_INET", On.Tcp4, c => Wait(c.S.ConnectAsync(("::1", 80))), Throws<ArgumentException>("address"), profile: P);
        t.Add("ConnectAsync((\"[::1]:80\", 80))", On.Tcp6, c => Wait(c.S.ConnectAsync(("[::1]:80", 80))), Throws<ArgumentException>("address"));
        t.Add("ConnectAsync(IPEndPoint 127.0.0.1) on AF_INET6", On.Tcp6, c => Wait(c.S.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 80))), Throws<ArgumentException>("endPoint"));
        t.Add("ConnectAsync((\"nohost.invalid\", 80))", On.Tcp4, c => Wait(c.S.ConnectAsync(("nohost.invalid", 80))), Raises(Errno.EAI_NONAME), AfterConnects, P);
        t.Add("ConnectAsync(addr) with a cancelled token", On.Tcp4, c => Wait(c.S.ConnectAsync(Loopback.Address(c.NewListener()), gone)), Throws<OperationCanceledException>(null));
        t.Add("ConnectAsync twice", On.Connected4, c => Wait(c.S.ConnectAsync(c.Peer.GetSockName())), Raises(Errno.EALREADY));
        t.Add("ConnectAsync twice", On.Connected6, c => Wait(c.S.ConnectAsync(c.Peer.GetSockName())), Raises(Errno.EISCONN), profile: P);

        t.Add("AcceptAsync() when not listening", On.Tcp4, c => Wait(c.S.AcceptAsync()), Raises(Errno.EINVAL));
        t.Add("AcceptAsync() on SOCK_DGRAM", On.Udp4, c => Wait(c.S.AcceptAsync()), Raises(Errno.EINVAL), profile: P);
        t.Add("AcceptAsync() with a 50 ms timeout, nobody waiting", On.Listening4, c =>
        {
            c.S.SetTimeout(0.05);
            Wait(c.S.AcceptAsync());
        }, Raises(Errno.ETIMEDOUT));
        t.Add("AcceptAsync() with a cancelled token", On.Listening4, c => Wait(c.S.AcceptAsync(gone)), Throws<OperationCanceledException>(null), profile: P);

        t.Add("RecvAsync(-1)", On.Connected4, c => Wait(c.S.RecvAsync(-1)), Throws<ArgumentOutOfRangeException>("bufsize"));
        t.Add("RecvAsync(int.MinValue)", On.Connected6, c => Wait(c.S.RecvAsync(int.MinValue)), Throws<ArgumentOutOfRangeException>("bufsize"), profile: P);
        t.Add("RecvAsync(10) with a 50 ms timeout, nothing sent", On.Connected4, c =>
        {
            c.S.SetTimeout(0.05);
            Wait(c.S.RecvAsync(10));
        }, Raises(Errno.ETIMEDOUT));
        t.Add("RecvAsync(10) with a cancelled token", On.Connected4, c => Wait(c.S.RecvAsync(10, gone)), Throws<OperationCanceledException>(null));
        t.Add("RecvAsync(0) returns empty", On.Connected4, c => Assert.Empty(Wait(c.S.RecvAsync(0))), Returns, profile: P);
        t.Add("RecvAsync(1) before Connect", On.Tcp4, c => Wait(c.S.RecvAsync(1)), Raises(Errno.ENOTCONN));

        t.Add("ReadIntoAsync(Memory[4], nbytes: 5) memory smaller than nbytes", On.Connected4, c => Wait(c.S.ReadIntoAsync(new byte[4], 5)), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadIntoAsync(Memory[4], nbytes: -2)", On.Connected4, c => Wait(c.S.ReadIntoAsync(new byte[4], -2)), Throws<ArgumentOutOfRangeException>("nbytes"), profile: P);
        t.Add("ReadIntoAsync(Memory[0], nbytes: 1)", On.Connected6, c => Wait(c.S.ReadIntoAsync(Memory<byte>.Empty, 1)), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadIntoAsync(Memory[4]) with a 50 ms timeout, nothing sent", On.Connected4, c =>
        {
            c.S.SetTimeout(0.05);
            Wait(c.S.ReadIntoAsync(new byte[4]));
        }, Raises(Errno.ETIMEDOUT));
        t.Add("ReadIntoAsync(Memory[4]) with a cancelled token", On.Connected4, c => Wait(c.S.ReadIntoAsync(new byte[4], -1, gone)), Throws<OperationCanceledException>(null), profile: P);

        t.Add("ReadLineAsync() with a 50 ms timeout, partial line", On.Connected4, c =>
        {
            c.Peer.SendAll("part");
            Wire.WaitAvailable(c.S, 4);
            c.S.SetTimeout(0.05);
            Wait(c.S.ReadLineAsync());
        }, Raises(Errno.ETIMEDOUT), "the partial line is kept, and a round trip works", c =>
        {
            c.Peer.SendAll("ial\n");
            c.S.SetTimeout(AfterTimeout);
            Assert.Equal("partial\n"u8.ToArray(), c.S.ReadLine());
            RoundTrip(c);
        });
        t.Add("ReadLineAsync() with a cancelled token", On.Connected4, c => Wait(c.S.ReadLineAsync(gone)), Throws<OperationCanceledException>(null));

        t.Add("SendAsync(empty)", On.Connected4, c => Wait(c.S.SendAsync(ReadOnlyMemory<byte>.Empty)), Raises(Errno.ETIMEDOUT));
        t.Add("SendAsync(empty) returns 0", On.Connected4, c => Assert.Equal(0, Wait(c.S.SendAsync(ReadOnlyMemory<byte>.Empty))), Returns, profile: P);
        t.Add("SendAsync(\"x\") with a cancelled token", On.Connected4, c => Wait(c.S.SendAsync(new byte[] { 1 }, gone)), Throws<OperationCanceledException>(null));
        t.Add("SendAsync(\"x\") after Shutdown(SHUT_WR)", On.Connected6, c =>
        {
            c.S.Shutdown(USocket.SHUT_WR);
            Wait(c.S.SendAsync(new byte[] { 1 }));
        }, Raises(Errno.EPIPE), "the peer still sends to it", PeerStillSends, P);
        t.Add("SendAllAsync(empty)", On.Connected4, c => Wait(c.S.SendAllAsync(ReadOnlyMemory<byte>.Empty)), Raises(Errno.ETIMEDOUT));
        t.Add("SendAllAsync(empty)", On.Connected4, c => Wait(c.S.SendAllAsync(ReadOnlyMemory<byte>.Empty)), Returns, profile: P);
        t.Add("SendAllAsync(\"x\") with a cancelled token", On.Connected4, c => Wait(c.S.SendAllAsync(new byte[] { 1 }, gone)), Throws<OperationCanceledException>(null), profile: P);

        t.Add("TimeProvider = null", On.Connected4, c => c.S.TimeProvider = null!, Throws<ArgumentNullException>("value"),
            "the clock is unchanged, and a round trip works", c =>
            {
                Assert.Same(TimeProvider.System, c.S.TimeProvider);
                RoundTrip(c);
            });
    }

    private static void PollerCases(CaseTable t)
    {
        t.Add("Poller.Register(null)", On.None, _ => WithPoller(p => p.Register((USocket)null!)), Throws<ArgumentNullException>("socket"));
        foreach (int events in new[] { 2, 64, -1, int.MinValue })
        {
            t.Add($"Poller.Register(s, events: {events})", On.Connected4, c => WithPoller(p => p.Register(c.S, events)), Throws<ArgumentOutOfRangeException>("events"));
        }

        t.Add("Poller.Register(a closed socket)", On.Closed, c => WithPoller(p => p.Register(c.S)), Raises(Errno.EBADF));
        t.Add("Poller.Register((USslSocket)null)", On.None, _ => WithPoller(p => p.Register((USslSocket)null!)), Throws<ArgumentNullException>("socket"));
        t.Add("Poller.Modify((USslSocket)null, POLLIN)", On.None, _ => WithPoller(p => p.Modify((USslSocket)null!, USelect.POLLIN)), Throws<ArgumentNullException>("socket"));
        t.Add("Poller.Unregister((USslSocket)null)", On.None, _ => WithPoller(p => p.Unregister((USslSocket)null!)), Throws<ArgumentNullException>("socket"));
        t.Add("Poller.Modify(null, POLLIN)", On.None, _ => WithPoller(p => p.Modify((USocket)null!, USelect.POLLIN)), Throws<ArgumentNullException>("socket"));
        t.Add("Poller.Modify(s, events: 128)", On.Connected4, c => WithPoller(p =>
        {
            p.Register(c.S);
            p.Modify(c.S, 128);
        }), Throws<ArgumentOutOfRangeException>("events"));
        t.Add("Poller.Modify(s not registered, POLLIN)", On.Connected4, c => WithPoller(p => p.Modify(c.S, USelect.POLLIN)), Raises(Errno.ENOENT));
        t.Add("Poller.Unregister(null)", On.None, _ => WithPoller(p => p.Unregister((USocket)null!)), Throws<ArgumentNullException>("socket"));
        t.Add("Poller.Unregister(s not registered) does nothing", On.Connected4, c => WithPoller(p => p.Unregister(c.S)), Returns);
        t.Add("Poller.Poll(0) with a closed socket registered reports POLLNVAL", On.Connected4, c => WithPoller(p =>
        {
            p.Register(c.S, USelect.POLLIN);
            c.S.Close();
            Assert.Equal([(c.S, USelect.POLLNVAL)], p.Poll(0));
        }), Returns, AfterClosed);
        t.Add("Poller.Register after Dispose", On.Connected4, c => Disposed().Register(c.S), Throws<ObjectDisposedException>(null));
        t.Add("Poller.Modify after Dispose", On.Connected4, c => Disposed().Modify(c.S, USelect.POLLIN), Throws<ObjectDisposedException>(null));
        t.Add("Poller.Unregister after Dispose", On.Connected4, c => Disposed().Unregister(c.S), Throws<ObjectDisposedException>(null));
        t.Add("Poller.Poll(0) after Dispose", On.None, _ => Disposed().Poll(0), Throws<ObjectDisposedException>(null));
        t.Add("Poller.IPoll(0) after Dispose", On.None, _ => Disposed().IPoll(0), Throws<ObjectDisposedException>(null));
        t.Add("Poller.Dispose() twice", On.None, _ => Disposed().Dispose(), Returns);

        USocket[] none = [];
        t.Add("USelect.Select(null, [], [])", On.None, _ => USelect.Select(null!, none, none, 0), Throws<ArgumentNullException>("readable"));
        t.Add("USelect.Select([], null, [])", On.None, _ => USelect.Select(none, null!, none, 0), Throws<ArgumentNullException>("writable"));
        t.Add("USelect.Select([], [], null)", On.None, _ => USelect.Select(none, none, null!, 0), Throws<ArgumentNullException>("exceptional"));
        t.Add("USelect.Select([null], [], [])", On.None, _ => USelect.Select([null!], none, none, 0), Throws<ArgumentNullException>("readable"));
        t.Add("USelect.Select([], [null], [])", On.None, _ => USelect.Select(none, [null!], none, 0), Throws<ArgumentNullException>("writable"));
        t.Add("USelect.Select([], [], [null])", On.None, _ => USelect.Select(none, none, [null!], 0), Throws<ArgumentNullException>("exceptional"));
        foreach ((string text, double value) in new[] { ("-1", -1.0), ("NaN", double.NaN), ("-Infinity", double.NegativeInfinity) })
        {
            t.Add($"USelect.Select([s], [], [], timeout: {text})", On.Connected4, c => USelect.Select([c.S], none, none, value), Throws<ArgumentOutOfRangeException>("timeout"));
        }

        t.Add("USelect.Select([a closed socket], [], [], 0)", On.Closed, c => USelect.Select([c.S], none, none, 0), Raises(Errno.EBADF));
        t.Add("USelect.Select([s], [], [], 0) nothing ready is empty", On.Connected4, c => Assert.Empty(USelect.Select([c.S], none, none, 0).Readable), Returns);
        t.Add("USelect.Poll() then Register(null)", On.None, _ =>
        {
            using Poller p = USelect.Poll();
            p.Register((USocket)null!);
        }, Throws<ArgumentNullException>("socket"));
    }

    private static void ClosedCases(CaseTable t)
    {
        var ep = new IPEndPoint(IPAddress.Loopback, 9);
        (string Call, Action<USocket> Act)[] members =
        [
            ("Bind((\"127.0.0.1\", 0))", s => s.Bind(("127.0.0.1", 0))),
            ("Bind(IPEndPoint)", s => s.Bind(ep)),
            ("Listen()", s => s.Listen()),
            ("Accept()", s => s.Accept()),
            ("Connect((\"127.0.0.1\", 9))", s => s.Connect(("127.0.0.1", 9))),
            ("Connect(IPEndPoint)", s => s.Connect(ep)),
            ("Send(\"x\")", s => s.Send("x")),
            ("Send(byte[])", s => s.Send(new byte[] { 1 })),
            ("Send(empty)", s => s.Send(ReadOnlySpan<byte>.Empty)),
            ("SendAll(\"x\")", s => s.SendAll("x")),
            ("SendAll(byte[])", s => s.SendAll(new byte[] { 1 })),
            ("SendTo(\"x\", addr)", s => s.SendTo("x", ("127.0.0.1", 9))),
            ("SendTo(byte[], IPEndPoint)", s => s.SendTo(new byte[] { 1 }, ep)),
            ("Write(\"x\")", s => s.Write("x")),
            ("Write(byte[])", s => s.Write(new byte[] { 1 })),
            ("Recv(1)", s => s.Recv(1)),
            ("Recv(0)", s => s.Recv(0)),
            ("RecvInto(byte[4])", s => s.RecvInto(new byte[4])),
            ("RecvFrom(1)", s => s.RecvFrom(1)),
            ("Read(1)", s => s.Read(1)),
            ("Read()", s => s.Read()),
            ("Read(0)", s => s.Read(0)),
            ("ReadInto(byte[4])", s => s.ReadInto(new byte[4])),
            ("ReadLine()", s => s.ReadLine()),
            ("MakeFile(\"rb\")", s => s.MakeFile("rb")),
            ("MakeFile(\"wb\")", s => s.MakeFile("wb")),
            ("SetSockOpt(SOL_SOCKET, SO_REUSEADDR, 1)", s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1)),
            ("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, 1)", s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 1)),
            ("SetSockOpt(SOL_SOCKET, 12345, 1) unknown", s => s.SetSockOpt(USocket.SOL_SOCKET, 12345, 1)),
            ("SetSockOpt(SOL_SOCKET, SO_REUSEADDR, bytes[4])", s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, new byte[4])),
            ("SetBlocking(true)", s => s.SetBlocking(true)),
            ("SetBlocking(false)", s => s.SetBlocking(false)),
            ("SetTimeout(1)", s => s.SetTimeout(1)),
            ("SetTimeout(null)", s => s.SetTimeout(null)),
            ("Shutdown(SHUT_RDWR)", s => s.Shutdown(USocket.SHUT_RDWR)),
            ("GetSockName()", s => s.GetSockName()),
            ("GetPeerName()", s => s.GetPeerName()),
            ("ConnectAsync((\"127.0.0.1\", 9))", s => Wait(s.ConnectAsync(("127.0.0.1", 9)))),
            ("ConnectAsync(IPEndPoint)", s => Wait(s.ConnectAsync(ep))),
            ("AcceptAsync()", s => Wait(s.AcceptAsync())),
            ("RecvAsync(1)", s => Wait(s.RecvAsync(1))),
            ("ReadIntoAsync(Memory[4])", s => Wait(s.ReadIntoAsync(new byte[4]))),
            ("ReadLineAsync()", s => Wait(s.ReadLineAsync())),
            ("SendAsync(\"x\")", s => Wait(s.SendAsync(new byte[] { 1 }))),
            ("SendAllAsync(\"x\")", s => Wait(s.SendAllAsync(new byte[] { 1 }))),
        ];
        foreach ((string call, Action<USocket> act) in members)
        {
            t.Add(call + " after Close", On.ClosedConnected, c => act(c.S), Raises(Errno.EBADF));
        }

        // The closed check comes first: bad arguments to a closed socket are still 9.
        t.Add("Recv(-1) after Close", On.Closed, c => c.S.Recv(-1), Raises(Errno.EBADF));
        t.Add("ReadInto(byte[4], nbytes: 5) after Close", On.Closed, c => c.S.ReadInto(new byte[4], 5), Raises(Errno.EBADF));
        t.Add("SetTimeout(NaN) after Close", On.Closed, c => c.S.SetTimeout(double.NaN), Raises(Errno.EBADF), profile: P);
        t.Add("Shutdown(7) after Close", On.Closed, c => c.S.Shutdown(7), Raises(Errno.EBADF));
        t.Add("MakeFile(\"x\") after Close", On.Closed, c => c.S.MakeFile("x"), Raises(Errno.EBADF));
        t.Add("Bind((null, 0)) after Close", On.Closed, c => c.S.Bind((null!, 0)), Raises(Errno.EBADF));
        t.Add("Connect((\"::1\", 1)) after Close", On.Closed, c => c.S.Connect(("::1", 1)), Raises(Errno.EBADF), profile: P);
        t.Add("SetSockOpt(SOL_SOCKET, TCP_KEEPALIVE, 0) after Close", On.Closed, c => c.S.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 0), Raises(Errno.EBADF));
        t.Add("SetSockOpt(SOL_SOCKET, 12345, 1) unknown, after Close", On.ClosedUdp, c => c.S.SetSockOpt(USocket.SOL_SOCKET, 12345, 1), Raises(Errno.EBADF), profile: P);
        t.Add("SendTo(\"x\", (\"localhost\", 9)) after Close", On.ClosedUdp, c => c.S.SendTo("x"u8, ("localhost", 9)), Raises(Errno.EBADF), profile: P);
        t.Add("RecvFrom(-1) after Close", On.ClosedUdp, c => c.S.RecvFrom(-1), Raises(Errno.EBADF), profile: P);
        t.Add("Connect twice after Close", On.ClosedConnected, c => c.S.Connect(("127.0.0.1", 9)), Raises(Errno.EBADF), profile: P);
        t.Add("GetSocketSta() after Close is -1", On.ClosedConnected, c => Assert.Equal(-1, c.S.GetSocketSta()), Returns);
        t.Add("Close() after Close (idempotent)", On.ClosedConnected, c => c.S.Close(), Returns);
        t.Add("Dispose() after Close (idempotent)", On.ClosedUdp, c => c.S.Dispose(), Returns, profile: P);
        t.Add("DisposeAsync() after Close (idempotent)", On.ClosedConnected, c => Wait(c.S.DisposeAsync()), Returns, profile: P);
        t.Add("RecvAsync(-1) after Close", On.Closed, c => Wait(c.S.RecvAsync(-1)), Raises(Errno.EBADF));
    }
}
