using System.Net;

namespace Usock.Tests;

// The table's cases for moving data: send, sendto, recv, the stream reads, makefile.
public partial class BadInputTests
{
    private static void SendCases(CaseTable t)
    {
        t.Add("Send((byte[])null)", On.Connected4, c => c.S.Send((byte[])null!), Throws<ArgumentNullException>("data"));
        t.Add("Send((string)null)", On.Connected4, c => c.S.Send((string)null!), Throws<ArgumentNullException>("data"));
        t.Add("SendAll((byte[])null)", On.Connected4, c => c.S.SendAll((byte[])null!), Throws<ArgumentNullException>("data"));
        t.Add("SendAll((string)null)", On.Connected6, c => c.S.SendAll((string)null!), Throws<ArgumentNullException>("data"));
        t.Add("Write((byte[])null)", On.Connected4, c => c.S.Write((byte[])null!), Throws<ArgumentNullException>("buffer"));
        t.Add("Write((string)null)", On.Connected4, c => c.S.Write((string)null!), Throws<ArgumentNullException>("text"));

        // Empty data: the firmware's send loop gives up (110, or 11 non-blocking); POSIX sends nothing and returns 0.
        t.Add("Send(empty) blocking", On.Connected4, c => c.S.Send(ReadOnlySpan<byte>.Empty), Raises(Errno.ETIMEDOUT));
        t.Add("Send(empty) with a timeout", On.Connected4, c =>
        {
            c.S.SetTimeout(1);
            c.S.Send(Array.Empty<byte>());
        }, Raises(Errno.ETIMEDOUT));
        t.Add("Send(empty) non-blocking", On.Connected4, c =>
        {
            c.S.SetBlocking(false);
            c.S.Send("");
        }, Raises(Errno.EAGAIN));
        t.Add("Send(empty) returns 0", On.Connected4, c => Assert.Equal(0, c.S.Send(ReadOnlySpan<byte>.Empty)), Returns, profile: P);
        t.Add("Send(\"\") returns 0", On.Connected6, c => Assert.Equal(0, c.S.Send("")), Returns, profile: P);
        t.Add("SendAll(empty)", On.Connected4, c => c.S.SendAll(Array.Empty<byte>()), Raises(Errno.ETIMEDOUT));
        t.Add("SendAll(empty)", On.Connected4, c => c.S.SendAll(Array.Empty<byte>()), Returns, profile: P);
        t.Add("Write(empty) returns 0", On.Connected4, c => Assert.Equal(0, c.S.Write(ReadOnlySpan<byte>.Empty)), Returns);
        t.Add("Write(empty) returns 0", On.Connected4, c => Assert.Equal(0, c.S.Write("")), Returns, profile: P);

        // Sending on a TCP socket that never connected: lwIP's ERR_CONN (107) on the device, EPIPE on POSIX.
        t.Add("Send(\"x\") before Connect", On.Tcp4, c => c.S.Send("x"), Raises(Errno.ENOTCONN));
        t.Add("Send(\"x\") before Connect", On.Tcp4, c => c.S.Send("x"), Raises(Errno.EPIPE), profile: P);
        t.Add("SendAll(\"x\") before Connect", On.Tcp6, c => c.S.SendAll("x"), Raises(Errno.ENOTCONN));
        t.Add("Write(\"x\") before Connect", On.Tcp4, c => c.S.Write("x"), Raises(Errno.EPIPE), profile: P);
        t.Add("Send(\"x\") on a listener", On.Listening4, c => c.S.Send("x"), Raises(Errno.ENOTCONN));
        t.Add("Send(\"x\") on a listener", On.Listening4, c => c.S.Send("x"), Raises(Errno.EPIPE), profile: P);

        foreach (UsocketProfile profile in new[] { Q, P })
        {
            t.Add("Send(\"x\") after Shutdown(SHUT_WR)", On.Connected4, c =>
            {
                c.S.Shutdown(USocket.SHUT_WR);
                c.S.Send("x");
            }, Raises(Errno.EPIPE), "the peer still sends to it", PeerStillSends, profile);
        }

        t.Add("SendAll(\"x\") after Shutdown(SHUT_WR)", On.Connected6, c =>
        {
            c.S.Shutdown(USocket.SHUT_WR);
            c.S.SendAll("x");
        }, Raises(Errno.EPIPE), "the peer still sends to it", PeerStillSends);
    }

    private static void SendToCases(CaseTable t)
    {
        (string, int) target = ("127.0.0.1", 9);
        t.Add("SendTo(\"x\", (\"localhost\", 9)) host name", On.Udp4, c => c.S.SendTo("x", ("localhost", 9)), Throws<ArgumentException>("address"));
        t.Add("SendTo(\"x\", (\"example.com\", 9)) host name", On.Udp4, c => c.S.SendTo("x"u8, ("example.com", 9)), Throws<ArgumentException>("address"));
        t.Add("SendTo(\"x\", (\"nohost.invalid\", 9)) host name", On.Udp6, c => c.S.SendTo("x"u8, ("nohost.invalid", 9)), Throws<ArgumentException>("address"));
        t.Add("SendTo(\"x\", (\"a b\", 9))", On.Udp4, c => c.S.SendTo("x"u8, ("a b", 9)), Throws<ArgumentException>("address"));
        t.Add("SendTo(\"x\", (null, 9))", On.Udp4, c => c.S.SendTo("x"u8, (null!, 9)), Throws<ArgumentNullException>("address"));
        t.Add("SendTo((byte[])null, addr)", On.Udp4, c => c.S.SendTo((byte[])null!, target), Throws<ArgumentNullException>("data"));
        t.Add("SendTo((string)null, addr)", On.Udp4, c => c.S.SendTo((string)null!, target), Throws<ArgumentNullException>("data"));
        t.Add("SendTo(\"x\", (IPEndPoint)null)", On.Udp4, c => c.S.SendTo("x"u8, (IPEndPoint)null!), Throws<ArgumentNullException>("endPoint"));
        t.Add("SendTo(\"x\", (\"127.0.0.1\", -1))", On.Udp4, c => c.S.SendTo("x"u8, ("127.0.0.1", -1)), Throws<ArgumentOutOfRangeException>("address"));
        t.Add("SendTo(\"x\", (\"127.0.0.1\", 65536))", On.Udp4, c => c.S.SendTo("x"u8, ("127.0.0.1", 65536)), Throws<ArgumentOutOfRangeException>("address"));
        t.Add("SendTo(\"x\", (\"::1\", 9)) IPv6 literal on AF_INET", On.Udp4, c => c.S.SendTo("x"u8, ("::1", 9)), Throws<ArgumentException>("address"));
        t.Add("SendTo(\"x\", (\"127.0.0.1\", 9)) IPv4 literal on AF_INET6", On.Udp6, c => c.S.SendTo("x"u8, target), Throws<ArgumentException>("address"));
        t.Add("SendTo(\"x\", IPEndPoint ::1) on AF_INET", On.Udp4, c => c.S.SendTo("x"u8, new IPEndPoint(IPAddress.IPv6Loopback, 9)), Throws<ArgumentException>("endPoint"));
        t.Add("SendTo(70000 bytes) datagram too large", On.Udp4, c => c.S.SendTo(new byte[70000], target), Raises(Errno.EMSGSIZE));
        t.Add("SendTo(70000 bytes) datagram too large", On.Udp6, c => c.S.SendTo(new byte[70000], ("::1", 9)), Raises(Errno.EMSGSIZE), profile: P);
    }

    private static void RecvCases(CaseTable t)
    {
        foreach (int size in new[] { -1, int.MinValue })
        {
            t.Add($"Recv({size})", On.Connected4, c => c.S.Recv(size), Throws<ArgumentOutOfRangeException>("bufsize"));
            t.Add($"RecvFrom({size})", On.Udp4, c => c.S.RecvFrom(size), Throws<ArgumentOutOfRangeException>("bufsize"));
        }

        t.Add("RecvFrom(-1)", On.Connected6, c => c.S.RecvFrom(-1), Throws<ArgumentOutOfRangeException>("bufsize"));
        t.Add("RecvInto((byte[])null)", On.Connected4, c => c.S.RecvInto((byte[])null!), Throws<ArgumentNullException>("buffer"));
        t.Add("RecvInto(empty span) returns 0", On.Connected4, c => Assert.Equal(0, c.S.RecvInto(Span<byte>.Empty)), Returns);
        t.Add("Recv(0) returns empty", On.Connected4, c => Assert.Empty(c.S.Recv(0)), Returns);
        t.Add("Recv(0) with data waiting returns empty", On.Connected4, c =>
        {
            c.Peer.SendAll("abc");
            Wire.WaitAvailable(c.S, 3);
            Assert.Empty(c.S.Recv(0));
        }, Returns, "the data is still there, and a round trip works", c =>
        {
            c.S.SetTimeout(AfterTimeout);
            Wire.Equal("abc"u8.ToArray(), c.S.Read(3));
            RoundTrip(c);
        });
        t.Add("Recv(int.MaxValue) returns what is there", On.Connected4, c =>
        {
            c.Peer.SendAll("abc");
            Wire.WaitAvailable(c.S, 3);
            Assert.Equal("abc"u8.ToArray(), c.S.Recv(int.MaxValue));
        }, Returns);
        t.Add("RecvFrom(int.MaxValue) returns the datagram", On.Udp4, c =>
        {
            c.S.Bind(c.Loop());
            c.S.SetTimeout(AfterTimeout);
            c.S.SendTo("dgram"u8, c.S.GetSockName());
            Assert.Equal("dgram"u8.ToArray(), c.S.RecvFrom(int.MaxValue).Bytes);
        }, Returns);

        t.Add("Recv(1) before Connect", On.Tcp4, c => c.S.Recv(1), Raises(Errno.ENOTCONN));
        t.Add("Recv(1) before Connect", On.Tcp4, c => c.S.Recv(1), Raises(Errno.ENOTCONN), profile: P);
        t.Add("RecvFrom(1) on TCP before Connect", On.Tcp6, c => c.S.RecvFrom(1), Raises(Errno.ENOTCONN));
        t.Add("RecvInto(buf) on a listener", On.Listening4, c => c.S.RecvInto(new byte[4]), Raises(Errno.ENOTCONN));

        foreach (UsocketProfile profile in new[] { Q, P })
        {
            t.Add("Recv(10) with a 50 ms timeout, nothing sent", On.Connected4, c =>
            {
                c.S.SetTimeout(0.05);
                c.S.Recv(10);
            }, Raises(Errno.ETIMEDOUT), profile: profile);
            t.Add("Recv(10) non-blocking, nothing sent", On.Connected6, c =>
            {
                c.S.SetBlocking(false);
                c.S.Recv(10);
            }, Raises(Errno.EAGAIN), profile: profile);
        }

        t.Add("RecvFrom(10) on SOCK_DGRAM, non-blocking, nothing sent", On.Udp4, c =>
        {
            c.S.SetBlocking(false);
            c.S.RecvFrom(10);
        }, Raises(Errno.EAGAIN));
        t.Add("RecvFrom(10) on SOCK_DGRAM, 50 ms timeout, nothing sent", On.Udp6, c =>
        {
            c.S.Bind(c.Loop());
            c.S.SetTimeout(0.05);
            c.S.RecvFrom(10);
        }, Raises(Errno.ETIMEDOUT));

        // End of stream: the device's lwIP raises 107 once, then returns empty; POSIX returns empty.
        t.Add("Recv(10) at end of stream", On.Connected4, c =>
        {
            c.Peer.Shutdown(USocket.SHUT_WR);
            Wire.WaitPeerFin(c.S);
            c.S.Recv(10);
        }, Raises(Errno.ENOTCONN), "the next Recv returns empty, and it still sends", c =>
        {
            Assert.Empty(c.S.Recv(10));
            OwnSendStillArrives(c);
        });
        t.Add("Recv(10) at end of stream returns empty", On.Connected4, c =>
        {
            c.Peer.Shutdown(USocket.SHUT_WR);
            Wire.WaitPeerFin(c.S);
            Assert.Empty(c.S.Recv(10));
        }, Returns, "it still sends", OwnSendStillArrives, P);
    }

    private static void ReadCases(CaseTable t)
    {
        var four = new byte[4];
        t.Add("ReadInto(byte[4], nbytes: 5) span smaller than nbytes", On.Connected4, c => c.S.ReadInto(new byte[4], 5), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadInto(Span[4], nbytes: 5) span smaller than nbytes", On.Connected4, c => c.S.ReadInto(new byte[4].AsSpan(), 5), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadInto(Span[0], nbytes: 1)", On.Connected6, c => c.S.ReadInto(Span<byte>.Empty, 1), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadInto(byte[4], nbytes: int.MaxValue)", On.Connected4, c => c.S.ReadInto(new byte[4], int.MaxValue), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadInto(byte[4], nbytes: -2)", On.Connected4, c => c.S.ReadInto(new byte[4], -2), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadInto(byte[4], nbytes: int.MinValue)", On.Connected4, c => c.S.ReadInto(new byte[4], int.MinValue), Throws<ArgumentOutOfRangeException>("nbytes"));
        t.Add("ReadInto((byte[])null)", On.Connected4, c => c.S.ReadInto((byte[])null!), Throws<ArgumentNullException>("buffer"));
        t.Add("ReadInto((byte[])null, nbytes: 0)", On.Connected4, c => c.S.ReadInto((byte[])null!, 0), Throws<ArgumentNullException>("buffer"), profile: P);
        t.Add("ReadInto(byte[4], nbytes: 5) with data waiting keeps the data", On.Connected4, c =>
        {
            c.Peer.SendAll("abcd");
            Wire.WaitAvailable(c.S, 4);
            c.S.ReadInto(four, 5);
        }, Throws<ArgumentOutOfRangeException>("nbytes"), "the data is still there, and a round trip works", c =>
        {
            c.S.SetTimeout(AfterTimeout);
            Assert.Equal(4, c.S.ReadInto(four));
            Assert.Equal("abcd"u8.ToArray(), four);
            RoundTrip(c);
        });
        t.Add("ReadInto(byte[4], nbytes: 0) returns 0", On.Connected4, c => Assert.Equal(0, c.S.ReadInto(new byte[4], 0)), Returns);
        t.Add("ReadInto(Span[0]) returns 0", On.Connected4, c => Assert.Equal(0, c.S.ReadInto(Span<byte>.Empty)), Returns);
        t.Add("Read(0) returns empty", On.Connected4, c => Wire.Equal([], c.S.Read(0)), Returns);

        t.Add("Read(int.MaxValue) with a 200 ms timeout, 3 bytes sent", On.Connected4, c =>
        {
            c.Peer.SendAll("abc");
            Wire.WaitAvailable(c.S, 3);
            c.S.SetTimeout(0.2);
            c.S.Read(int.MaxValue);
        }, Raises(Errno.ETIMEDOUT), "the 3 bytes stay buffered for Recv, and a round trip works", c =>
        {
            Assert.Equal("abc"u8.ToArray(), c.S.Recv(10));
            RoundTrip(c);
        });
        t.Add("Read(int.MaxValue) non-blocking returns what is there", On.Connected4, c =>
        {
            c.Peer.SendAll("abc");
            Wire.WaitAvailable(c.S, 3);
            c.S.SetBlocking(false);
            Assert.Equal("abc"u8.ToArray(), c.S.Read(int.MaxValue));
        }, Returns, profile: P);
        t.Add("Read(-2) reads to end of stream, as Read()", On.Connected4, c =>
        {
            c.Peer.SendAll("abc");
            c.Peer.Shutdown(USocket.SHUT_WR);
            c.S.SetTimeout(AfterTimeout);
            Assert.Equal("abc"u8.ToArray(), c.S.Read(-2));
        }, Returns, "it still sends", OwnSendStillArrives);
        t.Add("Read() beyond MaxReadAllBytes = 4", On.Connected4, c =>
        {
            c.S.MaxReadAllBytes = 4;
            c.Peer.SendAll("0123456789");
            c.Peer.Shutdown(USocket.SHUT_WR);
            c.S.SetTimeout(AfterTimeout);
            c.S.Read();
        }, Raises(Errno.ENOBUFS), "nothing is lost: Read(10) returns all 10 bytes", c => Assert.Equal("0123456789"u8.ToArray(), c.S.Read(10)));
        t.Add("ReadLine() beyond MaxLineLength = 4", On.Connected4, c =>
        {
            c.S.MaxLineLength = 4;
            c.Peer.SendAll("abcdefgh\nok\n");
            c.S.SetTimeout(AfterTimeout);
            c.S.ReadLine();
        }, Raises(Errno.ENOBUFS), "the line stays readable, and a round trip works", c =>
        {
            Assert.Equal("abcdefgh\n"u8.ToArray(), c.S.Read(9));
            Assert.Equal("ok\n"u8.ToArray(), c.S.ReadLine());
            c.S.MaxLineLength = USocket.DefaultMaxLineLength;
            RoundTrip(c);
        }, P);

        foreach (UsocketProfile profile in new[] { Q, P })
        {
            t.Add("Read(5) with a 50 ms timeout, nothing sent", On.Connected4, c =>
            {
                c.S.SetTimeout(0.05);
                c.S.Read(5);
            }, Raises(Errno.ETIMEDOUT), profile: profile);
            t.Add("ReadLine() with a 50 ms timeout, partial line", On.Connected4, c =>
            {
                c.Peer.SendAll("part");
                c.S.SetTimeout(0.05);
                c.S.ReadLine();
            }, Raises(Errno.ETIMEDOUT), "the partial line is kept, and a round trip works", c =>
            {
                c.Peer.SendAll("ial\n");
                c.S.SetTimeout(AfterTimeout);
                Assert.Equal("partial\n"u8.ToArray(), c.S.ReadLine());
                RoundTrip(c);
            }, profile);
        }

        t.Add("ReadInto(byte[4]) with a 50 ms timeout, nothing sent", On.Connected6, c =>
        {
            c.S.SetTimeout(0.05);
            c.S.ReadInto(new byte[4]);
        }, Raises(Errno.ETIMEDOUT));
        t.Add("Read(5) non-blocking returns null", On.Connected4, c =>
        {
            c.S.SetBlocking(false);
            Assert.Null(c.S.Read(5));
        }, Returns);
        t.Add("ReadLine() non-blocking returns null", On.Connected4, c =>
        {
            c.S.SetBlocking(false);
            Assert.Null(c.S.ReadLine());
        }, Returns, profile: P);
        t.Add("ReadInto(byte[4]) non-blocking returns null", On.Connected4, c =>
        {
            c.S.SetBlocking(false);
            Assert.Null(c.S.ReadInto(new byte[4]));
        }, Returns);
        t.Add("Read(1) before Connect", On.Tcp4, c => c.S.Read(1), Raises(Errno.ENOTCONN));
        t.Add("ReadLine() before Connect", On.Tcp4, c => c.S.ReadLine(), Raises(Errno.ENOTCONN), profile: P);
        t.Add("ReadInto(byte[4]) before Connect", On.Tcp6, c => c.S.ReadInto(new byte[4]), Raises(Errno.ENOTCONN));
    }

    private static void MakeFileCases(CaseTable t)
    {
        t.Add("MakeFile(null)", On.Connected4, c => c.S.MakeFile(null!), Throws<ArgumentNullException>("mode"));
        foreach (string mode in new[] { "r", "w", "rw", "rb+", "wb+", "r+b", "RB", "Rb", "", " rb", "rb ", "ab", "b", "rt", "wt" })
        {
            t.Add($"MakeFile({Show(mode)})", On.Connected4, c => c.S.MakeFile(mode), Throws<ArgumentException>("mode"));
        }

        t.Add("MakeFile(\"x\") on SOCK_DGRAM", On.Udp4, c => c.S.MakeFile("x"), Throws<ArgumentException>("mode"));
        t.Add("MakeFile(\"rb\").Write", On.Connected4, c => File(c, "rb").Write([1]), Throws<NotSupportedException>(null));
        t.Add("MakeFile(\"wb\").Read", On.Connected4, c => File(c, "wb").ReadByte(), Throws<NotSupportedException>(null));
        t.Add("MakeFile(\"rb\").Seek", On.Connected4, c => File(c, "rb").Seek(0, SeekOrigin.Begin), Throws<NotSupportedException>(null));
        t.Add("MakeFile(\"rb\").Length", On.Connected4, c => _ = File(c, "rb").Length, Throws<NotSupportedException>(null));
        t.Add("MakeFile(\"rb\").Position get", On.Connected4, c => _ = File(c, "rb").Position, Throws<NotSupportedException>(null));
        t.Add("MakeFile(\"wb\").Position = 0", On.Connected4, c => File(c, "wb").Position = 0, Throws<NotSupportedException>(null));
        t.Add("MakeFile(\"wb\").SetLength(0)", On.Connected4, c => File(c, "wb").SetLength(0), Throws<NotSupportedException>(null));
#pragma warning disable CA2022 // the reads are meant to fail on their arguments, never to read
        t.Add("MakeFile(\"rb\").Read(null, 0, 1)", On.Connected4, c => File(c, "rb").Read(null!, 0, 1), Throws<ArgumentNullException>("buffer"));
        t.Add("MakeFile(\"rb\").Read(buf, -1, 1)", On.Connected4, c => File(c, "rb").Read(new byte[4], -1, 1), Throws<ArgumentOutOfRangeException>("offset"));
        t.Add("MakeFile(\"rb\").Read(buf, 0, -1)", On.Connected4, c => File(c, "rb").Read(new byte[4], 0, -1), Throws<ArgumentOutOfRangeException>("count"));
        t.Add("MakeFile(\"rb\").Read(byte[4], 2, 4) past the end", On.Connected4, c => File(c, "rb").Read(new byte[4], 2, 4), Throws<ArgumentOutOfRangeException>("count"));
#pragma warning restore CA2022
        t.Add("MakeFile(\"wb\").Write(null, 0, 1)", On.Connected4, c => File(c, "wb").Write(null!, 0, 1), Throws<ArgumentNullException>("buffer"));
        t.Add("MakeFile(\"wb\").Write(byte[4], 3, 2) past the end", On.Connected4, c => File(c, "wb").Write(new byte[4], 3, 2), Throws<ArgumentOutOfRangeException>("count"));
        t.Add("MakeFile(\"rb\").ReadTimeout = -2", On.Connected4, c => File(c, "rb").ReadTimeout = -2, Throws<ArgumentOutOfRangeException>("value"),
            "the socket's timeout is unchanged, and a round trip works", c =>
            {
                Assert.Null(c.S.Timeout);
                RoundTrip(c);
            });
        t.Add("MakeFile(\"wb\").WriteTimeout = int.MinValue", On.Connected4, c => File(c, "wb").WriteTimeout = int.MinValue, Throws<ArgumentOutOfRangeException>("value"));
        t.Add("MakeFile(\"rb\") disposed, then Read", On.Connected4, c =>
        {
            Stream f = c.S.MakeFile("rb");
            f.Dispose();
            f.ReadByte();
        }, Throws<ObjectDisposedException>(null), "disposing the stream left the socket open: a round trip works", RoundTrip);
        t.Add("MakeFile(\"rb\").Read non-blocking, nothing sent", On.Connected4, c =>
        {
            c.S.SetBlocking(false);
            File(c, "rb").ReadByte();
        }, Raises(Errno.EAGAIN));
        t.Add("MakeFile(\"rb\").Read with a 50 ms timeout, nothing sent", On.Connected6, c =>
        {
            File(c, "rb").ReadTimeout = 50;
            File(c, "rb").ReadByte();
        }, Raises(Errno.ETIMEDOUT), profile: P);
        t.Add("MakeFile(\"rb\").Read after the socket's Close", On.Connected4, c =>
        {
            Stream f = File(c, "rb");
            c.S.Close();
            f.ReadByte();
        }, Raises(Errno.EBADF), AfterClosed);
        t.Add("MakeFile(\"wb\").Write after the socket's Close", On.Connected4, c =>
        {
            Stream f = File(c, "wb");
            c.S.Close();
            f.Write([1, 2]);
        }, Raises(Errno.EBADF), AfterClosed, P);
    }
}
