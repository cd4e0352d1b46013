using System.Text;
using Usock.Tests.Support;
using Xunit;
using static Usock.Tests.Support.CliTest;

namespace Usock.Tests;

/// <summary>
/// How <c>usock connect</c> and <c>usock listen</c> end, as OpenBSD netcat does: each side keeps sending its input
/// after the other's end of stream, half-closes when its input ends, and the session ends when both directions are
/// done. Checked with SHA-256 on every byte, both ways, with large inputs and slow readers, as real processes.
/// </summary>
public class CliNetcatEndTests
{
    private static readonly TimeSpan Fast = TimeSpan.Zero;

    [Theory]
    [InlineData(3_000_000)]
    [InlineData(20_000_000)]
    public void ConnectWithInput_ToListenWithEmptyStdin_DeliversEveryByte(int size)
    {
        // The issue's case: the listener's stdin is empty, so it half-closes at once; the client must go on sending.
        byte[] input = CliBinaryProcess.RandomBytes(size);
        using CliBinaryProcess server = CliBinaryProcess.Start([], Fast, "listen", "0");
        int port = server.ListeningPort();
        using CliBinaryProcess client = CliBinaryProcess.Start(input, Fast, "connect", "127.0.0.1", Arg(port));

        (int clientRc, byte[] clientOut, string clientErr) = client.WaitForExit();
        (int serverRc, byte[] received, string serverErr) = server.WaitForExit();

        Assert.Equal(CliBinaryProcess.Sha256(input), CliBinaryProcess.Sha256(received));
        Assert.Equal(0, clientRc);
        Assert.Equal(0, serverRc);
        Assert.Empty(clientOut);
        Assert.Contains($"{size} bytes sent, 0 bytes received in ", clientErr);
        Assert.Contains($"0 bytes sent, {size} bytes received in ", serverErr);
        Assert.DoesNotContain("104", serverErr);
    }

    [Theory]
    [InlineData(3_000_000)]
    [InlineData(20_000_000)]
    public void ListenWithInput_ToConnectWithEmptyStdin_DeliversEveryByte(int size)
    {
        // The other way round: the client half-closes first, the server goes on sending.
        byte[] input = CliBinaryProcess.RandomBytes(size);
        using CliBinaryProcess server = CliBinaryProcess.Start(input, Fast, "listen", "0");
        int port = server.ListeningPort();
        using CliBinaryProcess client = CliBinaryProcess.Start([], Fast, "connect", "127.0.0.1", Arg(port));

        (int clientRc, byte[] received, _) = client.WaitForExit();
        (int serverRc, _, string serverErr) = server.WaitForExit();

        Assert.Equal(CliBinaryProcess.Sha256(input), CliBinaryProcess.Sha256(received));
        Assert.Equal(0, clientRc);
        Assert.Equal(0, serverRc);
        Assert.Contains($"{size} bytes sent, 0 bytes received in ", serverErr);
    }

    [Fact]
    public void BothSidesSendLargeInputs_AtOnce_BothArriveWhole()
    {
        byte[] toServer = CliBinaryProcess.RandomBytes(3_000_001);
        byte[] toClient = CliBinaryProcess.RandomBytes(3_000_002);
        using CliBinaryProcess server = CliBinaryProcess.Start(toClient, Fast, "listen", "0");
        int port = server.ListeningPort();
        using CliBinaryProcess client = CliBinaryProcess.Start(toServer, Fast, "connect", "127.0.0.1", Arg(port));

        (int clientRc, byte[] clientGot, _) = client.WaitForExit();
        (int serverRc, byte[] serverGot, _) = server.WaitForExit();

        Assert.Equal(CliBinaryProcess.Sha256(toServer), CliBinaryProcess.Sha256(serverGot));
        Assert.Equal(CliBinaryProcess.Sha256(toClient), CliBinaryProcess.Sha256(clientGot));
        Assert.Equal(0, clientRc);
        Assert.Equal(0, serverRc);
    }

    [Fact]
    public void SlowStdoutReaderBehindTheListener_StillGetsEveryByte()
    {
        // The listener's stdout pipe fills (the test reads it slowly), so its writes block and TCP backs up to the
        // client, which keeps sending after the listener's FIN.
        byte[] input = CliBinaryProcess.RandomBytes(3_000_000);
        using CliBinaryProcess server = CliBinaryProcess.Start([], TimeSpan.FromMilliseconds(3), "listen", "0");
        int port = server.ListeningPort();
        using CliBinaryProcess client = CliBinaryProcess.Start(input, Fast, "connect", "127.0.0.1", Arg(port));

        (int clientRc, _, _) = client.WaitForExit();
        (int serverRc, byte[] received, _) = server.WaitForExit();

        Assert.Equal(CliBinaryProcess.Sha256(input), CliBinaryProcess.Sha256(received));
        Assert.Equal(0, clientRc);
        Assert.Equal(0, serverRc);
    }

    [Fact]
    public void PeerHalfClosesFirstThenReadsSlowly_ConnectDeliversEveryByte()
    {
        // A peer the test owns: it sends a line, half-closes at once, waits, then reads slowly to the end.
        byte[] input = CliBinaryProcess.RandomBytes(3_000_000);
        using USocket l = Loopback.Listener();
        byte[]? got = null;
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (USocket conn, _, _) = l.Accept();
            using (conn)
            {
                conn.SetTimeout(30);
                conn.SendAll("hello\n"u8);
                conn.Shutdown(USocket.SHUT_WR);
                Thread.Sleep(300); // the client has seen our FIN by now, and its send buffer is full
                using var all = new MemoryStream();
                byte[] buffer = new byte[8192];
                int n;
                while ((n = Receive(conn, buffer)) > 0)
                {
                    all.Write(buffer, 0, n);
                    if (all.Length % (256 * 1024) < 8192)
                    {
                        Thread.Sleep(5);
                    }
                }

                got = all.ToArray();
            }
        });
        peer.Start();

        using CliBinaryProcess client = CliBinaryProcess.Start(input, Fast, "connect", "127.0.0.1", Arg(l.GetSockName().Port));
        (int rc, byte[] stdout, string err) = client.WaitForExit();

        Assert.True(peer.Join(CliProcess.Patience));
        Assert.Equal(0, rc);
        Assert.Equal("hello\n", Encoding.ASCII.GetString(stdout));
        Assert.Equal(CliBinaryProcess.Sha256(input), CliBinaryProcess.Sha256(got!));
        Assert.Contains("3000000 bytes sent, 6 bytes received", err);
    }

    [Fact]
    public void PeerClosesWithInputLeft_ConnectExitsNonZero()
    {
        // The peer takes a little and closes for good: the rest of the client's input cannot be sent. That is an
        // error (exit 1), never a quiet 0.
        byte[] input = CliBinaryProcess.RandomBytes(20_000_000);
        using USocket l = Loopback.Listener();
        var peer = new Thread(() =>
        {
            l.SetTimeout(30);
            (USocket conn, _, _) = l.Accept();
            conn.SetTimeout(30);
            conn.Recv(1000);
            conn.Close();
        });
        peer.Start();

        using CliBinaryProcess client = CliBinaryProcess.Start(input, Fast, "connect", "127.0.0.1", Arg(l.GetSockName().Port));
        (int rc, _, string err) = client.WaitForExit();

        Assert.True(peer.Join(CliProcess.Patience));
        Assert.Equal(1, rc);
        Assert.Matches(@"usock: (send|recv) failed: \[Errno \d+\]", err);
        Assert.DoesNotMatch(@"20000000 bytes sent", err);
    }

    [Fact]
    public void EchoListener_ReturnsALargeInputWhole()
    {
        byte[] input = CliBinaryProcess.RandomBytes(3_000_000);
        using CliBinaryProcess server = CliBinaryProcess.Start([], Fast, "listen", "0", "--echo");
        int port = server.ListeningPort();
        using CliBinaryProcess client = CliBinaryProcess.Start(input, Fast, "connect", "127.0.0.1", Arg(port));

        (int clientRc, byte[] back, _) = client.WaitForExit();
        (int serverRc, _, _) = server.WaitForExit();

        Assert.Equal(CliBinaryProcess.Sha256(input), CliBinaryProcess.Sha256(back));
        Assert.Equal(0, clientRc);
        Assert.Equal(0, serverRc);
    }

    /// <summary>One receive; 0 at the end of stream in either profile (the device's first-time 107 included).</summary>
    internal static int Receive(USocket sock, byte[] buffer)
    {
        try
        {
            return sock.RecvInto(buffer);
        }
        catch (UsocketException e) when (e.Errno == Errno.ENOTCONN)
        {
            return 0;
        }
    }
}
