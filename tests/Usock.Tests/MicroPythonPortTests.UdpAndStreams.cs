using System.Net.Sockets;
using System.Text;

namespace Usock.Tests;

// Ports of MicroPython's tests/multi_net UDP tests, and of its asyncio stream tests onto Usock's stream methods.
public partial class MicroPythonPortTests
{
    // ---------------------------------------------------------------- tests/multi_net, UDP

    // Ports multi_net/udp_data.py and multi_net/udp_data_ipv6.py: four fresh server sockets in turn (the original
    // binds PORT+i with SO_REUSEADDR; here port 0), ten request/answer rounds each: the client sends its sequence
    // number, the server answers seq+1 to the address recvfrom() reported, the client checks it. The original
    // tolerates 75 % loss on a real network; loopback loses nothing, so all 40 rounds must pass. Both sockets have
    // timeouts (the original's 0.25 s, raised so a loaded machine cannot fail it) and the rounds are driven in
    // order from one thread. The sender recvfrom() reports is the client itself: loopback address, and the port
    // getsockname() gives after sendto() bound the client implicitly (as CPython's getsockname, which the spec names).
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void UdpData_RequestAnswerRounds(int af)
    {
        int seq = 0;
        for (int i = 0; i < 4; i++)
        {
            using var server = new USocket(af, USocket.SOCK_DGRAM);
            server.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
            server.Bind((Loopback.Host(af), 0));
            server.SetTimeout(Loopback.Patience);
            (string Host, int Port) ai = USocket.GetAddrInfo(Loopback.Host(af), server.GetSockName().Port)[0].SockAddr;

            using var client = new USocket(af, USocket.SOCK_DGRAM);
            client.SetTimeout(Loopback.Patience);
            for (int j = 0; j < 10; j++)
            {
                byte[] request = Encoding.ASCII.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(request.Length, client.SendTo(request, ai));

                (byte[] data, (string Host, int Port) addr) = server.RecvFrom(1000);
                Assert.Equal(seq, ParseInt(data));
                Assert.Equal(Loopback.Host(af), addr.Host);
                Assert.Equal(client.GetSockName().Port, addr.Port);
                server.SendTo(Encoding.ASCII.GetBytes((seq + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), addr);

                (byte[] answer, (string Host, int Port) from) = client.RecvFrom(1000);
                Assert.Equal(seq + 1, ParseInt(answer));
                Assert.Equal(ai, from);
                seq++;
            }
        }

        Assert.Equal(40, seq);
    }

    // Ports multi_net/udp_data_multi.py: several datagrams sent in a row before the receiver reads any must all be
    // queued by the stack and then received, each whole. Four fresh sockets, six bursts of five "burst:group"
    // datagrams each; the original passes with 75 % per group on a real network, loopback must deliver all, in
    // order. The original's barriers ("data sent", "data received") become the order of calls in one thread.
    [Fact]
    public void UdpDataMulti_QueuedBurstsAreAllReceived()
    {
        for (int i = 0; i < 4; i++)
        {
            using var server = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
            server.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
            server.Bind(("127.0.0.1", 0));
            server.SetTimeout(Loopback.Patience);
            (string Host, int Port) ai = server.GetSockName();
            using var client = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
            for (int burst = 0; burst < 6; burst++)
            {
                for (int group = 0; group < 5; group++)
                {
                    client.SendTo($"{burst}:{group}", ai);
                }

                for (int group = 0; group < 5; group++)
                {
                    (byte[] data, _) = server.RecvFrom(1000);
                    Assert.Equal($"{burst}:{group}", Encoding.ASCII.GetString(data));
                }
            }

            server.SetBlocking(false);
            Loopback.Raises(Errno.EAGAIN, () => server.RecvFrom(1000)); // nothing extra, nothing duplicated
        }
    }

    // ---------------------------------------------------------------- tests/multi_net, asyncio streams

    // Ports multi_net/asyncio_tcp_readall.py onto read(): the server writes "a", pauses so the client must wait for
    // more, writes "b" and "c", and closes. read() with no size returns "abc" (everything up to end of stream);
    // a second read() and a read(1) return empty. Stream methods treat end of stream as end of data in both
    // profiles (spec), so the device profile raises no 107 here.
    [Fact]
    public void AsyncioTcpReadall_ReadToEndOfStream()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(Loopback.Patience);
        Peer server = PausingServer(p, "b", "c");

        Assert.Equal("abc"u8.ToArray(), p.Client.Read());
        server.Join();
        Assert.Empty(p.Client.Read()!);
        Assert.Empty(p.Client.Read(1)!);
    }

    // Ports multi_net/asyncio_tcp_readexactly.py onto read(n): the server writes "a", pauses, then "b", "c", "d"
    // and closes. read(2) waits for the second byte and returns "ab"; read(0) returns empty; read(1) returns "c".
    // Where asyncio's readexactly(2) raises EOFError at end of stream, usocket's read(2) returns the short rest
    // "d" (spec: short only at end of stream); then read(0) and read(2) return empty.
    [Fact]
    public void AsyncioTcpReadexactly_ReadSizesAcrossPauseAndEndOfStream()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(Loopback.Patience);
        Peer server = PausingServer(p, "b", "c", "d");

        Assert.Equal("ab"u8.ToArray(), p.Client.Read(2));
        Assert.Empty(p.Client.Read(0)!);
        Assert.Equal("c"u8.ToArray(), p.Client.Read(1));
        Assert.Equal("d"u8.ToArray(), p.Client.Read(2));
        server.Join();
        Assert.Empty(p.Client.Read(0)!);
        Assert.Empty(p.Client.Read(2)!);
    }

    // The server of the asyncio read tests: writes "a", pauses so the client must wait for more, writes the rest
    // one write each, and closes.
    private static Peer PausingServer(Pair p, params string[] rest) => new(() =>
    {
        p.Server.Write("a");
        Thread.Sleep(300);
        foreach (string s in rest)
        {
            p.Server.Write(s);
        }

        p.Server.Close();
    });

    // Ports multi_net/asyncio_tcp_readinto.py onto readinto(): the server writes "ab", then "c", and closes.
    // readinto() of a 2-byte buffer returns 2 and "ab"; of another 2-byte buffer returns 1 and "c" (short at end of
    // stream). The original's TypeError cases (an int or no buffer) cannot be written in C#: the compiler rejects
    // them.
    [Fact]
    public void AsyncioTcpReadinto_FillsBuffersShortAtEndOfStream()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.Write("ab");
        p.Server.Write("c");
        p.Server.Close();

        var ba = new byte[2];
        Assert.Equal(2, p.Client.ReadInto(ba));
        Assert.Equal("ab"u8.ToArray(), ba);
        var a = new byte[2];
        Assert.Equal(1, p.Client.ReadInto(a));
        Assert.Equal((byte)'c', a[0]);
        Assert.Equal(0, p.Client.ReadInto(new byte[2]));
    }

    // Ports multi_net/asyncio_tcp_close_write.py: the server writes "x"; the client reads it, closes, and then
    // writing raises OSError (Usock: 9 EBADF, every operation after close). The server's read(100) then returns
    // empty: the client's close is end of stream, end of data for stream methods in both profiles.
    [Fact]
    public void AsyncioTcpCloseWrite_WriteAfterCloseRaises()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.SetTimeout(Loopback.Patience);

        Assert.Equal(1, p.Server.Write("x"));
        Assert.Equal("x"u8.ToArray(), p.Client.Read(1));
        p.Client.Close();
        Loopback.Raises(Errno.EBADF, () => p.Client.Write("x"));

        Assert.Empty(p.Server.Read(100)!);
        p.Server.Close();
    }

    // Ports multi_net/asyncio_tcp_client_rst.py onto read(n): the client (a raw .NET socket: SO_LINGER {on, 0} is
    // not a usocket option) sends a request and resets the connection part-way through the server's reading. The
    // server's read(10) succeeds with the first 10 bytes; its read(100) then raises 104 ECONNRESET (the original
    // prints "OSError 104" on lwIP), and does not hang. Whatever of the request the host kept after the reset stays
    // readable afterwards rather than being lost (Linux keeps it; lwIP drops it), and is the request's tail.
    [Fact]
    public void AsyncioTcpClientRst_ReadRaisesEconnreset()
    {
        using USocket s = Loopback.Listener();
        using Socket client = Loopback.RawClient(s.GetSockName());
        s.SetTimeout(Loopback.Patience);
        using USocket s2 = s.Accept().Conn;
        s2.SetTimeout(Loopback.Patience);

        client.Send(HttpRequest);
        Assert.Equal(HttpRequest.AsSpan(0, 10).ToArray(), s2.Read(10));
        client.LingerState = new LingerOption(true, 0);
        client.Close(); // RST

        Loopback.Raises(Errno.ECONNRESET, () => s2.Read(100));
        s2.SetBlocking(false);
        byte[] rest = s2.Read(100) ?? [];
        Assert.Equal(HttpRequest.AsSpan(HttpRequest.Length - rest.Length).ToArray(), rest);
    }
}
