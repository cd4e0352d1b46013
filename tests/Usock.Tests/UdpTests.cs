using System.Net;
using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>UDP: <c>sendto</c> / <c>recvfrom</c>, truncation, literal-only addresses, modes, connected UDP.</summary>
public class UdpTests
{
    private const double Long = Loopback.Patience;

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void SendToRecvFrom_DeliversDatagram_WithTheSendersAddress(int af, Mode mode)
    {
        using var a = Udp(af);
        using var b = Udp(af);
        using var guard = new HangGuard(Long, a, b);
        Loopback.Apply(a, mode, Long);
        Loopback.Apply(b, mode, Long);

        Assert.Equal(5, a.SendTo("hello", b.GetSockName()));
        (byte[] data, (string host, int port)) = RecvFromIn(b, mode, 100);

        Assert.Equal("hello", Encoding.ASCII.GetString(data));
        Assert.Equal(Loopback.Host(af), host);
        Assert.Equal(a.GetSockName().Port, port);

        // And back, to the address recvfrom reported.
        Assert.Equal(3, b.SendTo(new byte[] { 7, 8, 9 }, (host, port)));
        (byte[] reply, (string replyHost, int replyPort)) = RecvFromIn(a, mode, 100);
        Assert.Equal(new byte[] { 7, 8, 9 }, reply);
        Assert.Equal(b.GetSockName(), (replyHost, replyPort));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void RecvFrom_BufsizeSmallerThanDatagram_Truncates_AndDropsTheRest(int af)
    {
        using var a = Udp(af);
        using var b = Udp(af);
        using var guard = new HangGuard(Long, a, b);
        b.SetTimeout(Long);
        a.SendTo(Wire.Seq(100), b.GetSockName());
        a.SendTo("next", b.GetSockName());

        (byte[] first, _) = b.RecvFrom(10);
        (byte[] second, _) = b.RecvFrom(100);

        Assert.Equal(Wire.Seq(10), first);
        Assert.Equal("next", Encoding.ASCII.GetString(second));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void SendTo_HostName_ThrowsArgumentException(int af)
    {
        using var a = Udp(af);
        using var b = Udp(af);

        Assert.Throws<ArgumentException>(() => a.SendTo("x", ("localhost", b.GetSockName().Port)));
        Assert.Throws<ArgumentException>(() => a.SendTo("x"u8, ("example.invalid", 9)));
    }

    [Fact]
    public void SendTo_LiteralOfTheOtherFamily_ThrowsArgumentException()
    {
        using var v4 = Udp(USocket.AF_INET);
        using var v6 = Udp(USocket.AF_INET6);

        Assert.Throws<ArgumentException>(() => v4.SendTo("x", ("::1", 9)));
        Assert.Throws<ArgumentException>(() => v6.SendTo("x", ("127.0.0.1", 9)));
    }

    [Fact]
    public void SendTo_BadPortOrNullHost_Throws()
    {
        using var a = Udp(USocket.AF_INET);

        Assert.Throws<ArgumentOutOfRangeException>(() => a.SendTo("x", ("127.0.0.1", 65536)));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.SendTo("x", ("127.0.0.1", -1)));
        Assert.Throws<ArgumentNullException>(() => a.SendTo("x", (null!, 9)));
        Assert.Throws<ArgumentNullException>(() => a.SendTo("x"u8, (IPEndPoint)null!));
    }

    [Fact]
    public void SendTo_EmptyHost_Is0000_AndReachesALoopbackSocket()
    {
        // "" means 0.0.0.0; on Linux a datagram to 0.0.0.0 is delivered locally.
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Only Linux delivers datagrams sent to 0.0.0.0 to the local host.");
        }

        using var a = Udp(USocket.AF_INET);
        using var b = Udp(USocket.AF_INET);
        using var guard = new HangGuard(Long, a, b);
        b.SetTimeout(Long);

        Assert.Equal(5, a.SendTo("empty", ("", b.GetSockName().Port)));

        (byte[] data, _) = b.RecvFrom(100);
        Assert.Equal("empty", Encoding.ASCII.GetString(data));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void RecvFrom_NonBlockingNothingThere_RaisesEAGAIN(int af)
    {
        using var b = Udp(af);
        b.SetBlocking(false);

        Loopback.Raises(Errno.EAGAIN, () => b.RecvFrom(10));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void RecvFrom_TimeoutNothingThere_RaisesETIMEDOUT(int af)
    {
        using var b = Udp(af);
        using var guard = new HangGuard(Long, b);
        b.SetTimeout(0.3);

        double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => b.RecvFrom(10));

        Assert.InRange(ms, 0.75 * 300, 3 * 300);
    }

    [Fact]
    public void RecvFrom_NegativeBufsize_ThrowsArgumentOutOfRange()
    {
        using var b = Udp(USocket.AF_INET);
        Assert.Throws<ArgumentOutOfRangeException>(() => b.RecvFrom(-1));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ZeroByteDatagram_IsSentAndReceived(int af, Mode mode)
    {
        using var a = Udp(af);
        using var b = Udp(af);
        using var guard = new HangGuard(Long, a, b);
        Loopback.Apply(b, mode, Long);

        Assert.Equal(0, a.SendTo(ReadOnlySpan<byte>.Empty, b.GetSockName()));
        a.SendTo("after", b.GetSockName());

        (byte[] empty, (string host, int port)) = RecvFromIn(b, mode, 100);
        Assert.Empty(empty);
        Assert.Equal(a.GetSockName(), (host, port));
        (byte[] after, _) = RecvFromIn(b, mode, 100);
        Assert.Equal("after", Encoding.ASCII.GetString(after));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void ConnectedUdp_ZeroByteDatagram_RecvReturnsEmpty_NoENOTCONN(UsocketProfile profile)
    {
        // ENOTCONN for end of stream is a TCP matter: an empty datagram is just empty.
        using var a = Udp(USocket.AF_INET, profile);
        using var b = Udp(USocket.AF_INET, profile);
        using var guard = new HangGuard(Long, a, b);
        a.Connect(b.GetSockName());
        b.Connect(a.GetSockName());
        b.SetTimeout(Long);

        a.SendTo(ReadOnlySpan<byte>.Empty, b.GetSockName());
        a.Send("x");

        Assert.Empty(b.Recv(10));
        Assert.Equal("x", Encoding.ASCII.GetString(b.Recv(10)));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ConnectedUdp_SendAndRecv(int af, Mode mode)
    {
        using var a = Udp(af);
        using var b = Udp(af);
        using var guard = new HangGuard(Long, a, b);
        Loopback.Apply(a, mode, Long);
        Loopback.Apply(b, mode, Long);
        a.Connect(b.GetSockName());
        b.Connect(a.GetSockName());

        Assert.Equal(b.GetSockName(), a.GetPeerName());
        Assert.Equal(4, a.Send("ping"));
        Assert.Equal("ping", Encoding.ASCII.GetString(RecvIn(b, mode, 100)));
        Assert.Equal(4, b.Send("pong"u8));
        Assert.Equal("pong", Encoding.ASCII.GetString(RecvIn(a, mode, 100)));
        Assert.Equal(0, a.GetSocketSta());
    }

    [Fact]
    public void UnconnectedUdp_GetPeerName_RaisesENOTCONN()
    {
        using var a = Udp(USocket.AF_INET);
        Loopback.Raises(Errno.ENOTCONN, () => a.GetPeerName());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void SendTo_Overloads_SendTheSameBytes(int af)
    {
        using var a = Udp(af);
        using var b = Udp(af);
        using var guard = new HangGuard(Long, a, b);
        b.SetTimeout(Long);
        (string host, int port) = b.GetSockName();

        Assert.Equal(3, a.SendTo("abc"u8, (host, port)));
        Assert.Equal(3, a.SendTo(new byte[] { 0x61, 0x62, 0x63 }, (host, port)));
        Assert.Equal(3, a.SendTo("abc", (host, port)));
        Assert.Equal(3, a.SendTo("abc"u8, new IPEndPoint(IPAddress.Parse(host), port)));
        Assert.Equal(3, a.SendTo("äb", (host, port))); // UTF-8: "ä" is two bytes

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("abc", Encoding.ASCII.GetString(b.RecvFrom(10).Bytes));
        }

        Assert.Equal("äb", Encoding.UTF8.GetString(b.RecvFrom(10).Bytes));
    }

    [Fact]
    public void SendTo_NullData_ThrowsArgumentNull()
    {
        using var a = Udp(USocket.AF_INET);
        Assert.Throws<ArgumentNullException>(() => a.SendTo((byte[])null!, ("127.0.0.1", 9)));
        Assert.Throws<ArgumentNullException>(() => a.SendTo((string)null!, ("127.0.0.1", 9)));
    }

    [Theory]
    [InlineData(USocket.IPPROTO_IP)]
    [InlineData(USocket.IPPROTO_UDP)]
    [InlineData(USocket.IPPROTO_TCP)]
    public void DgramSocket_AnyAcceptedProto_IsUdp(int proto)
    {
        using var a = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, proto);
        using var b = Udp(USocket.AF_INET);
        using var guard = new HangGuard(Long, a, b);
        b.SetTimeout(Long);

        a.SendTo("u", b.GetSockName());

        Assert.Equal("u", Encoding.ASCII.GetString(b.RecvFrom(10).Bytes));
    }

    private static USocket Udp(int af, UsocketProfile profile = UsocketProfile.QuecPython)
    {
        var s = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, profile);
        s.Bind((Loopback.Host(af), 0));
        return s;
    }

    private static (byte[] Bytes, (string Host, int Port) Address) RecvFromIn(USocket s, Mode mode, int bufsize)
    {
        if (mode != Mode.NonBlocking)
        {
            return s.RecvFrom(bufsize);
        }

        (byte[], (string, int))? got = null;
        Assert.True(Loopback.Eventually(() =>
        {
            try
            {
                got = s.RecvFrom(bufsize);
                return true;
            }
            catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
            {
                return false;
            }
        }));
        return got!.Value;
    }

    private static byte[] RecvIn(USocket s, Mode mode, int bufsize)
    {
        if (mode != Mode.NonBlocking)
        {
            return s.Recv(bufsize);
        }

        byte[]? got = null;
        Assert.True(Loopback.Eventually(() =>
        {
            try
            {
                got = s.Recv(bufsize);
                return true;
            }
            catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
            {
                return false;
            }
        }));
        return got!;
    }
}
