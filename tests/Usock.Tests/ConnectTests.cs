using System.Diagnostics;
using System.Net;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>connect(address)</c>: literals and names, refusal, non-blocking starts, timeouts, and the profiles' rules
/// for a second connect.
/// </summary>
public class ConnectTests
{
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ConnectByLiteral_Connects(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect((Loopback.Host(af), l.GetSockName().Port));
        Assert.Equal(l.GetSockName(), c.GetPeerName());
        Assert.Equal((int)TcpState.Established, c.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ConnectByLocalhost_UsesTheSocketsFamily(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect(("localhost", l.GetSockName().Port));
        Assert.Equal((Loopback.Host(af), l.GetSockName().Port), c.GetPeerName());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ConnectByEndPoint_Connects(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect(new IPEndPoint(IPAddress.Parse(Loopback.Host(af)), l.GetSockName().Port));
        Assert.Equal(l.GetSockName(), c.GetPeerName());
    }

    [Fact]
    public void ConnectNullEndPoint_ThrowsArgumentNull()
    {
        using var c = new USocket();
        Assert.Throws<ArgumentNullException>("endPoint", () => c.Connect((IPEndPoint)null!));
        Assert.Throws<ArgumentNullException>(() => c.Connect((null!, 80)));
    }

    [Theory]
    [InlineData(USocket.AF_INET, "::1")]
    [InlineData(USocket.AF_INET6, "127.0.0.1")]
    public void ConnectToLiteralOfTheOtherFamily_ThrowsArgumentException(int af, string host)
    {
        using var c = new USocket(af);
        Assert.Throws<ArgumentException>("address", () => c.Connect((host, 80)));
    }

    [Fact]
    public void ConnectToEndPointOfTheOtherFamily_ThrowsArgumentException()
    {
        using var c = new USocket(USocket.AF_INET);
        Assert.Throws<ArgumentException>("endPoint", () => c.Connect(new IPEndPoint(IPAddress.IPv6Loopback, 80)));
        using var c6 = new USocket(USocket.AF_INET6);
        Assert.Throws<ArgumentException>("endPoint", () => c6.Connect(new IPEndPoint(IPAddress.Loopback, 80)));
    }

    [Theory]
    [InlineData(USocket.AF_INET, UsocketProfile.QuecPython, Errno.ECONNRESET)]
    [InlineData(USocket.AF_INET6, UsocketProfile.QuecPython, Errno.ECONNRESET)]
    [InlineData(USocket.AF_INET, UsocketProfile.Posix, Errno.ECONNREFUSED)]
    [InlineData(USocket.AF_INET6, UsocketProfile.Posix, Errno.ECONNREFUSED)]
    public void ConnectRefused_RaisesProfileErrno(int af, UsocketProfile profile, int errno)
    {
        using USocket closedPort = BoundNotListening(af);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(errno, () => c.Connect(closedPort.GetSockName()));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void ConnectRefused_Blocking_RaisesToo(UsocketProfile profile)
    {
        using USocket closedPort = BoundNotListening(USocket.AF_INET);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        var e = Assert.Throws<UsocketException>(() => c.Connect(closedPort.GetSockName()));
        Assert.Equal(profile == UsocketProfile.QuecPython ? Errno.ECONNRESET : Errno.ECONNREFUSED, e.Errno);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ConnectNonBlocking_RaisesEINPROGRESS_ThenCompletes(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var c = new USocket(af);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
        Assert.True(Loopback.Eventually(() => c.GetSocketSta() == (int)TcpState.Established));
        Assert.Equal(l.GetSockName(), c.GetPeerName());

        l.SetTimeout(Loopback.Patience);
        (USocket conn, _, int port) = l.Accept();
        using (conn)
        {
            Assert.Equal(c.GetSockName().Port, port);
            Assert.Equal(2, c.Send("ok"));
            Assert.Equal("ok"u8.ToArray(), conn.Read(2));
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ConnectNonBlocking_PeerNameWorksOnceConnected(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
        (string, int)? peer = null;
        Assert.True(Loopback.Eventually(() =>
        {
            try
            {
                peer = c.GetPeerName();
                return true;
            }
            catch (UsocketException e) when (e.Errno == Errno.ENOTCONN)
            {
                return false;
            }
        }));
        Assert.Equal(l.GetSockName(), peer);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void DeviceProfile_SecondConnectAfterSuccess_RaisesEALREADY(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var c = new USocket(af);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());
        Loopback.Raises(Errno.EALREADY, () => c.Connect(l.GetSockName()));
        Assert.Equal((int)TcpState.Established, c.GetSocketSta());
    }

    [Fact]
    public void DeviceProfile_SecondConnectAfterRefusal_RaisesEALREADY()
    {
        using USocket port = BoundNotListening(USocket.AF_INET);
        using var c = new USocket();
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(Errno.ECONNRESET, () => c.Connect(port.GetSockName()));

        // Even with a listener there now: the device wants a new socket.
        port.Listen();
        Loopback.Raises(Errno.EALREADY, () => c.Connect(port.GetSockName()));
    }

    [Fact]
    public void DeviceProfile_SecondConnectAfterEINPROGRESS_RaisesEALREADY()
    {
        using USocket l = Loopback.Listener();
        using var c = new USocket();
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
        Assert.True(Loopback.Eventually(() => c.GetSocketSta() == (int)TcpState.Established));
        Loopback.Raises(Errno.EALREADY, () => c.Connect(l.GetSockName()));
    }

    [Fact]
    public void DeviceProfile_SecondConnectAfterDnsFailure_RaisesEALREADY()
    {
        using USocket l = Loopback.Listener();
        using var c = new USocket();
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(Errno.LWIP_EAI_FAIL, () => c.Connect(("nohost.invalid", 80)));
        Loopback.Raises(Errno.EALREADY, () => c.Connect(l.GetSockName()));
    }

    [Fact]
    public void DeviceProfile_SecondConnectAfterTimeout_RaisesEALREADY()
    {
        using var full = new SilentListener();
        using var c = new USocket();
        c.SetTimeout(0.2);
        Loopback.Raises(Errno.ETIMEDOUT, () => c.Connect(full.Address));
        Loopback.Raises(Errno.EALREADY, () => c.Connect(full.Address));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void PosixProfile_SecondConnectAfterSuccess_RaisesEISCONN(int af)
    {
        using USocket l = Loopback.Listener(af, UsocketProfile.Posix);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());
        Loopback.Raises(Errno.EISCONN, () => c.Connect(l.GetSockName()));
        Assert.Equal((int)TcpState.Established, c.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void PosixProfile_RetryAfterRefusal_Connects(int af)
    {
        using USocket port = BoundNotListening(af);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(Errno.ECONNREFUSED, () => c.Connect(port.GetSockName()));

        port.Listen();
        c.Connect(port.GetSockName());
        Assert.Equal(port.GetSockName(), c.GetPeerName());
        Assert.Equal((int)TcpState.Established, c.GetSocketSta());

        port.SetTimeout(Loopback.Patience);
        (USocket conn, _, _) = port.Accept();
        using (conn)
        {
            Assert.Equal(5, c.Send("again"));
            Assert.Equal("again"u8.ToArray(), conn.Read(5));
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void PosixProfile_RetryAfterRefusal_KeepsCustomLocalPort(int af)
    {
        using USocket port = BoundNotListening(af);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.TCP_CUSTOMIZE_PORT, UsocketProfile.Posix);
        c.Bind((Loopback.Host(af), 0));
        (string, int) local = c.GetSockName();
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(Errno.ECONNREFUSED, () => c.Connect(port.GetSockName()));

        port.Listen();
        port.SetTimeout(Loopback.Patience);
        c.Connect(port.GetSockName());
        Assert.Equal(local, c.GetSockName());
        Assert.Equal(Loopback.Patience, c.Timeout);

        (USocket conn, string address, int peerPort) = port.Accept();
        conn.Dispose();
        Assert.Equal(local, (address, peerPort));
    }

    [Fact]
    public void PosixProfile_RetryAfterDnsFailure_Connects()
    {
        using USocket l = Loopback.Listener(USocket.AF_INET, UsocketProfile.Posix);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(Errno.EAI_NONAME, () => c.Connect(("nohost.invalid", 80)));
        c.Connect(l.GetSockName());
        Assert.Equal(l.GetSockName(), c.GetPeerName());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void PosixProfile_NonBlockingConnectRefused_WatchedWithGetSocketSta_NextConnectRaisesECONNREFUSED(int af)
    {
        using USocket port = BoundNotListening(af);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(port.GetSockName()));

        // The device idiom: poll the state until the connect is decided. The refusal must not be lost on the way.
        Assert.True(Loopback.Eventually(() => c.GetSocketSta() != (int)TcpState.SynSent));
        Assert.Equal((int)TcpState.Closed, c.GetSocketSta());
        Loopback.Raises(Errno.ENOTCONN, () => c.GetPeerName());
        Loopback.Raises(Errno.ECONNREFUSED, () => c.Connect(port.GetSockName()));

        // Reported once; then a retry is a new attempt, which succeeds now that someone listens.
        port.Listen();
        try
        {
            c.Connect(port.GetSockName());
        }
        catch (UsocketException e) when (e.Errno == Errno.EINPROGRESS)
        {
        }

        Assert.True(Loopback.Eventually(() => c.GetSocketSta() == (int)TcpState.Established));
        Assert.Equal(port.GetSockName(), c.GetPeerName());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void PosixProfile_NonBlockingConnectRefused_WatchedWithGetSockName_NextConnectRaisesECONNREFUSED(int af)
    {
        using USocket port = BoundNotListening(af);
        using var c = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(port.GetSockName()));
        Thread.Sleep(100); // a refusal on loopback takes microseconds
        _ = c.GetSockName();
        Loopback.Raises(Errno.ECONNREFUSED, () => c.Connect(port.GetSockName()));
    }

    [Fact]
    public void DeviceProfile_NonBlockingConnectRefused_IsClosed_AndSecondConnectRaisesEALREADY()
    {
        using USocket port = BoundNotListening(USocket.AF_INET);
        using var c = new USocket();
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(port.GetSockName()));
        Assert.True(Loopback.Eventually(() => c.GetSocketSta() == (int)TcpState.Closed));
        Loopback.Raises(Errno.ENOTCONN, () => c.GetPeerName());
        Loopback.Raises(Errno.EALREADY, () => c.Connect(port.GetSockName()));
        Loopback.Raises(Errno.ENOTCONN, () => c.GetPeerName());
    }

    [Fact]
    public void PosixProfile_SecondNonBlockingConnect_RaisesEALREADYOrCompletes()
    {
        using USocket l = Loopback.Listener(USocket.AF_INET, UsocketProfile.Posix);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(l.GetSockName()));
        Assert.True(Loopback.Eventually(() =>
        {
            try
            {
                c.Connect(l.GetSockName());
                return true; // the connect in progress has completed
            }
            catch (UsocketException e) when (e.Errno == Errno.EALREADY)
            {
                return false;
            }
        }));
        Assert.Equal(l.GetSockName(), c.GetPeerName());
        Loopback.Raises(Errno.EISCONN, () => c.Connect(l.GetSockName()));
    }

    [Fact]
    public void PosixProfile_SecondConnectWhileSynIsUnanswered_RaisesEALREADY()
    {
        using var full = new SilentListener();
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.SetBlocking(false);
        Loopback.Raises(Errno.EINPROGRESS, () => c.Connect(full.Address));
        Loopback.Raises(Errno.EALREADY, () => c.Connect(full.Address));
        Assert.Equal((int)TcpState.SynSent, c.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void ConnectTimeoutElapsed_RaisesETIMEDOUT(UsocketProfile profile)
    {
        using var full = new SilentListener();
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(0.3);
        var sw = Stopwatch.StartNew();
        Loopback.Raises(Errno.ETIMEDOUT, () => c.Connect(full.Address));
        Assert.InRange(sw.ElapsedMilliseconds, 250, 3000);
        Assert.Equal(0.3, c.Timeout);
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.LWIP_EAI_FAIL)]
    [InlineData(UsocketProfile.Posix, Errno.EAI_NONAME)]
    public void ConnectToUnresolvableName_RaisesLookupErrno(UsocketProfile profile, int errno)
    {
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(errno, () => c.Connect(("nohost.invalid", 80)));
        Assert.Equal((int)TcpState.Closed, c.GetSocketSta());
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.LWIP_EAI_FAIL)]
    [InlineData(UsocketProfile.Posix, Errno.EAI_NONAME)]
    public void UdpConnectToUnresolvableName_RaisesLookupErrno(UsocketProfile profile, int errno)
    {
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, profile);
        Loopback.Raises(errno, () => c.Connect(("nohost.invalid", 80)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void UdpConnect_ThenSendAndRecv(int af)
    {
        using var server = new USocket(af, USocket.SOCK_DGRAM);
        server.Bind((Loopback.Host(af), 0));
        server.SetTimeout(Loopback.Patience);
        using var c = new USocket(af, USocket.SOCK_DGRAM);
        c.SetTimeout(Loopback.Patience);
        c.Connect(server.GetSockName());
        Assert.Equal(server.GetSockName(), c.GetPeerName());

        Assert.Equal(4, c.Send("ping"));
        (byte[] bytes, (string Host, int Port) from) = server.RecvFrom(100);
        Assert.Equal("ping"u8.ToArray(), bytes);
        Assert.Equal(c.GetSockName(), from);

        Assert.Equal(4, server.SendTo("pong"u8, from));
        Assert.Equal("pong"u8.ToArray(), c.Recv(100));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void UdpSecondConnect_IsAllowed_AndRetargets(UsocketProfile profile)
    {
        using var first = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        using var second = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        first.Bind(("127.0.0.1", 0));
        second.Bind(("127.0.0.1", 0));
        second.SetTimeout(Loopback.Patience);
        using var c = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, profile);
        c.Connect(first.GetSockName());
        c.Connect(second.GetSockName());
        Assert.Equal(second.GetSockName(), c.GetPeerName());

        Assert.Equal(2, c.Send("hi"));
        Assert.Equal("hi"u8.ToArray(), second.Recv(10));
        first.SetBlocking(false);
        Loopback.Raises(Errno.EAGAIN, () => first.Recv(10));
    }

    [Fact]
    public void PosixProfile_ConnectOnListener_RaisesEISCONN()
    {
        using USocket l = Loopback.Listener(USocket.AF_INET, UsocketProfile.Posix);
        using USocket other = Loopback.Listener(USocket.AF_INET, UsocketProfile.Posix);
        Loopback.Raises(Errno.EISCONN, () => l.Connect(other.GetSockName()));
        Assert.Equal((int)TcpState.Listen, l.GetSocketSta());
    }

    [Fact]
    public void ConnectAfterClose_RaisesEBADF()
    {
        var c = new USocket();
        c.Close();
        Loopback.Raises(Errno.EBADF, () => c.Connect(("127.0.0.1", 80)));
    }

    /// <summary>A TCP socket bound to a loopback port without listening: a connect to it is refused at once.</summary>
    internal static USocket BoundNotListening(int af)
    {
        var s = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER, UsocketProfile.Posix);
        s.Bind((Loopback.Host(af), 0));
        return s;
    }

}
