using System.Net;

namespace Usock.Tests;

// The table's cases for making and setting up a socket: name lookup, constructors, properties, bind,
// listen and accept, connect.
public partial class BadInputTests
{
    private static void GetAddrInfoCases(CaseTable t)
    {
        t.Add("GetAddrInfo(null, 80)", On.None, _ => USocket.GetAddrInfo(null!, 80), Throws<ArgumentNullException>("host"));
        t.Add("GetAddrInfo(null, 80, Posix)", On.None, _ => USocket.GetAddrInfo(null!, 80, P), Throws<ArgumentNullException>("host"));
        foreach (int port in new[] { -1, 65536, int.MinValue, int.MaxValue })
        {
            t.Add($"GetAddrInfo(\"127.0.0.1\", {port})", On.None, _ => USocket.GetAddrInfo("127.0.0.1", port), Throws<ArgumentOutOfRangeException>("port"));
        }

        t.Add("GetAddrInfo(\"localhost\", -1, Posix)", On.None, _ => USocket.GetAddrInfo("localhost", -1, P), Throws<ArgumentOutOfRangeException>("port"));
        t.Add("GetAddrInfo(\"127.0.0.1\", 80, (UsocketProfile)2)", On.None, _ => USocket.GetAddrInfo("127.0.0.1", 80, (UsocketProfile)2), Throws<ArgumentOutOfRangeException>("profile"));
        t.Add("GetAddrInfo(\"127.0.0.1\", 80, (UsocketProfile)(-1))", On.None, _ => USocket.GetAddrInfo("127.0.0.1", 80, (UsocketProfile)(-1)), Throws<ArgumentOutOfRangeException>("profile"));
        t.Add("GetAddrInfo(\"\", 80) is 0.0.0.0", On.None, _ => Assert.Equal(("0.0.0.0", 80), USocket.GetAddrInfo("", 80)[0].SockAddr), Returns);

        string[] malformed =
        [
            "a b", "-x.com", "x-.com", "x..com", ".", "..", "example.com:80", "127.0.0.1:80", " 127.0.0.1", "127.0.0.1 ",
            "http://localhost", "a/b", "user@host", "*", "%", "\0", "localhost\n", "\u00fcmlaut.de", "[127.0.0.1]",
            new string('a', 64) + ".com", string.Join('.', Enumerable.Repeat(new string('a', 50), 5)),
            "[::1]", "[::1]:80",
        ];
        foreach (string host in malformed)
        {
            t.Add($"GetAddrInfo({Show(host)}, 80)", On.None, _ => USocket.GetAddrInfo(host, 80), Throws<ArgumentException>("host"));
        }

        foreach (string host in new[] { "nohost.invalid", "256.1.1.1", "1.2.3.4.5" })
        {
            t.Add($"GetAddrInfo({Show(host)}, 80, QuecPython)", On.None, _ => USocket.GetAddrInfo(host, 80, Q), Raises(Errno.LWIP_EAI_FAIL));
            t.Add($"GetAddrInfo({Show(host)}, 80, Posix)", On.None, _ => USocket.GetAddrInfo(host, 80, P), Raises(Errno.EAI_NONAME));
        }
    }

    private static void ConstructorCases(CaseTable t)
    {
        foreach (int af in new[] { 0, -1, 1, 23, 99, int.MaxValue })
        {
            t.Add($"new USocket(af: {af})", On.None, _ => new USocket(af).Dispose(), Raises(Errno.EINVAL));
        }

        foreach (int type in new[] { 0, 4, -1, int.MinValue })
        {
            t.Add($"new USocket(AF_INET, type: {type})", On.None, _ => new USocket(USocket.AF_INET, type).Dispose(), Raises(Errno.EINVAL));
        }

        foreach (int proto in new[] { 1, 9, 255, -1, int.MaxValue })
        {
            t.Add($"new USocket(AF_INET, SOCK_STREAM, proto: {proto})", On.None, _ => new USocket(USocket.AF_INET, USocket.SOCK_STREAM, proto).Dispose(), Raises(Errno.EPROTONOSUPPORT));
        }

        foreach (int proto in new[] { 1, 18, -17 })
        {
            t.Add($"new USocket(AF_INET6, SOCK_DGRAM, proto: {proto})", On.None, _ => new USocket(USocket.AF_INET6, USocket.SOCK_DGRAM, proto).Dispose(), Raises(Errno.EPROTONOSUPPORT));
        }

        // The kernel checks the protocol number's range before the privilege, so these are 22 for everyone (Linux).
        t.Add("new USocket(AF_INET, SOCK_RAW, proto: -1)", On.None, _ => new USocket(USocket.AF_INET, USocket.SOCK_RAW, -1).Dispose(), Raises(Errno.EINVAL));
        t.Add("new USocket(AF_INET, SOCK_RAW, proto: 1000)", On.None, _ => new USocket(USocket.AF_INET, USocket.SOCK_RAW, 1000).Dispose(), Raises(Errno.EINVAL));
        t.Add("new USocket(AF_INET, SOCK_RAW, proto: int.MinValue)", On.None, _ => new USocket(USocket.AF_INET, USocket.SOCK_RAW, int.MinValue).Dispose(), Raises(Errno.EINVAL));
        t.Add("new USocket(AF_INET6, SOCK_RAW, proto: 1000)", On.None, _ => new USocket(USocket.AF_INET6, USocket.SOCK_RAW, 1000).Dispose(), Raises(Errno.EINVAL));

        foreach (int profile in new[] { 2, -1, int.MaxValue })
        {
            t.Add($"new USocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, (UsocketProfile){profile})", On.None, _ => new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, (UsocketProfile)profile).Dispose(), Throws<ArgumentOutOfRangeException>("profile"));
        }

        t.Add("new USocket(af: 99, type: 99, proto: 99, (UsocketProfile)7) checks the profile first", On.None, _ => new USocket(99, 99, 99, (UsocketProfile)7).Dispose(), Throws<ArgumentOutOfRangeException>("profile"));
    }

    private static void PropertyCases(CaseTable t)
    {
        // DefaultProfile is process-wide: only invalid values are ever assigned, and the value must not change.
        foreach (int value in new[] { 2, -1, int.MaxValue, int.MinValue })
        {
            t.Add($"DefaultProfile = (UsocketProfile){value}", On.None, _ => USocket.DefaultProfile = (UsocketProfile)value, Throws<ArgumentOutOfRangeException>("value"),
                "DefaultProfile is unchanged", _ => Assert.Equal(Q, USocket.DefaultProfile));
        }

        foreach (int value in new[] { 0, -1, int.MinValue })
        {
            t.Add($"MaxLineLength = {value}", On.Connected4, c => c.S.MaxLineLength = value, Throws<ArgumentOutOfRangeException>("value"),
                "it is unchanged and a round trip works", c =>
                {
                    Assert.Equal(USocket.DefaultMaxLineLength, c.S.MaxLineLength);
                    RoundTrip(c);
                });
            t.Add($"MaxReadAllBytes = {value}", On.Connected4, c => c.S.MaxReadAllBytes = value, Throws<ArgumentOutOfRangeException>("value"),
                "it is unchanged and a round trip works", c =>
                {
                    Assert.Equal(USocket.DefaultMaxReadAllBytes, c.S.MaxReadAllBytes);
                    RoundTrip(c);
                });
        }

        // The property is declared non-nullable: null is refused where it is given, not met later as a
        // NullReferenceException inside SetSockOpt (the device profile logs unknown options to it).
        t.Add("Logger = null", On.Connected4, c => c.S.Logger = null!, Throws<ArgumentNullException>("value"),
            "an unknown option still logs without error, and a round trip works", c =>
            {
                c.S.SetSockOpt(USocket.SOL_SOCKET, 12345, 1);
                RoundTrip(c);
            });
    }

    private static void BindCases(CaseTable t)
    {
        foreach (On on in new[] { On.Tcp4, On.Tcp6, On.Udp4 })
        {
            t.Add("Bind((null, 0))", on, c => c.S.Bind((null!, 0)), Throws<ArgumentNullException>("address"), AfterUnbound);
        }

        t.Add("Bind((IPEndPoint)null)", On.Tcp4, c => c.S.Bind((IPEndPoint)null!), Throws<ArgumentNullException>("endPoint"), AfterUnbound);
        foreach (int port in new[] { -1, 65536, int.MinValue, int.MaxValue })
        {
            t.Add($"Bind((\"127.0.0.1\", {port}))", On.Tcp4, c => c.S.Bind(("127.0.0.1", port)), Throws<ArgumentOutOfRangeException>("address"), AfterUnbound);
        }

        t.Add("Bind((\"::1\", -1))", On.Udp6, c => c.S.Bind(("::1", -1)), Throws<ArgumentOutOfRangeException>("address"), AfterUnbound);
        foreach (string host in new[] { "a b", "-x.com", "x..com", "127.0.0.1:0" })
        {
            t.Add($"Bind(({Show(host)}, 0))", On.Tcp4, c => c.S.Bind((host, 0)), Throws<ArgumentException>("address"), AfterUnbound);
        }

        t.Add("Bind((\"[::1]\", 0))", On.Tcp6, c => c.S.Bind(("[::1]", 0)), Throws<ArgumentException>("address"), AfterUnbound);
        t.Add("Bind((\"::1\", 0)) IPv6 literal on AF_INET", On.Tcp4, c => c.S.Bind(("::1", 0)), Throws<ArgumentException>("address"), AfterUnbound);
        t.Add("Bind((\"::ffff:127.0.0.1\", 0)) mapped literal on AF_INET", On.Tcp4, c => c.S.Bind(("::ffff:127.0.0.1", 0)), Throws<ArgumentException>("address"), AfterUnbound);
        t.Add("Bind((\"127.0.0.1\", 0)) IPv4 literal on AF_INET6", On.Tcp6, c => c.S.Bind(("127.0.0.1", 0)), Throws<ArgumentException>("address"), AfterUnbound);
        t.Add("Bind((\"::1\", 0)) IPv6 literal on AF_INET", On.Udp4, c => c.S.Bind(("::1", 0)), Throws<ArgumentException>("address"), AfterUnbound);
        t.Add("Bind((\"127.0.0.1\", 0)) IPv4 literal on AF_INET6", On.Udp6, c => c.S.Bind(("127.0.0.1", 0)), Throws<ArgumentException>("address"), AfterUnbound);
        t.Add("Bind(IPEndPoint ::1) on AF_INET", On.Tcp4, c => c.S.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0)), Throws<ArgumentException>("endPoint"), AfterUnbound);
        t.Add("Bind(IPEndPoint 127.0.0.1) on AF_INET6", On.Tcp6, c => c.S.Bind(new IPEndPoint(IPAddress.Loopback, 0)), Throws<ArgumentException>("endPoint"), AfterUnbound);
        t.Add("Bind((\"nohost.invalid\", 0))", On.Tcp4, c => c.S.Bind(("nohost.invalid", 0)), Raises(Errno.LWIP_EAI_FAIL), AfterUnbound);
        t.Add("Bind((\"nohost.invalid\", 0))", On.Tcp4, c => c.S.Bind(("nohost.invalid", 0)), Raises(Errno.EAI_NONAME), AfterUnbound, P);

        foreach (On on in new[] { On.Tcp4, On.Tcp6, On.Udp4 })
        {
            t.Add("Bind twice", on, c =>
            {
                c.S.Bind(c.Loop());
                c.Mark = c.S.GetSockName();
                c.S.Bind(c.Loop());
            }, Raises(Errno.EINVAL), "the first address stays, and it still works", c =>
            {
                Assert.Equal(c.Mark, c.S.GetSockName());
                DefaultAfter(c.On)!.Value.Check(c);
            });
        }

        t.Add("Bind((\"127.0.0.1\", 0)) when connected", On.Connected4, c => c.S.Bind(("127.0.0.1", 0)), Raises(Errno.EINVAL));
        t.Add("Bind((\"127.0.0.1\", 0)) when listening", On.Listening4, c => c.S.Bind(("127.0.0.1", 0)), Raises(Errno.EINVAL));
        t.Add("Bind(a listener's address)", On.Tcp4, c => c.S.Bind(Loopback.Address(c.NewListener())), Raises(Errno.EADDRINUSE), AfterUnbound);
    }

    private static void ListenAcceptCases(CaseTable t)
    {
        t.Add("Listen() on SOCK_DGRAM", On.Udp4, c => c.S.Listen(), Raises(Errno.EOPNOTSUPP));
        t.Add("Listen() on SOCK_DGRAM", On.Udp6, c => c.S.Listen(), Raises(Errno.EOPNOTSUPP));
        t.Add("Listen() when connected", On.Connected4, c => c.S.Listen(), Raises(Errno.EINVAL));
        t.Add("Listen() when connected", On.Connected4, c => c.S.Listen(), Raises(Errno.EINVAL), profile: P);
        foreach (int backlog in new[] { -1, int.MinValue, 0, int.MaxValue })
        {
            t.Add($"Listen({backlog}) (a negative backlog counts as 0)", On.Tcp4, c => c.S.Listen(backlog), Returns, AfterAccepts);
        }

        t.Add("Listen() twice", On.Listening4, c => c.S.Listen(), Returns);

        t.Add("Accept() when not listening", On.Tcp4, c => c.S.Accept(), Raises(Errno.EINVAL));
        t.Add("Accept() when not listening", On.Tcp4, c => c.S.Accept(), Raises(Errno.EINVAL), profile: P);
        t.Add("Accept() when bound, not listening", On.Tcp6, c =>
        {
            c.S.Bind(c.Loop());
            c.S.Accept();
        }, Raises(Errno.EINVAL));
        t.Add("Accept() when connected", On.Connected4, c => c.S.Accept(), Raises(Errno.EINVAL));
        t.Add("Accept() on SOCK_DGRAM", On.Udp4, c => c.S.Accept(), Raises(Errno.EINVAL));
        t.Add("Accept() non-blocking, nobody waiting", On.Listening4, c =>
        {
            c.S.SetBlocking(false);
            c.S.Accept();
        }, Raises(Errno.EAGAIN));
        t.Add("Accept() with a 50 ms timeout, nobody waiting", On.Listening4, c =>
        {
            c.S.SetTimeout(0.05);
            c.S.Accept();
        }, Raises(Errno.ETIMEDOUT));
        t.Add("Accept() with a 50 ms timeout, nobody waiting", On.Listening4, c =>
        {
            c.S.SetTimeout(0.05);
            c.S.Accept();
        }, Raises(Errno.ETIMEDOUT), profile: P);
    }

    private static void ConnectCases(CaseTable t)
    {
        foreach (UsocketProfile profile in new[] { Q, P })
        {
            // A bad argument never starts a connect: the socket connects afterwards in both profiles.
            t.Add("Connect((null, 80))", On.Tcp4, c => c.S.Connect((null!, 80)), Throws<ArgumentNullException>("address"), profile: profile);
            t.Add("Connect((IPEndPoint)null)", On.Tcp4, c => c.S.Connect((IPEndPoint)null!), Throws<ArgumentNullException>("endPoint"), profile: profile);
            t.Add("Connect((\"127.0.0.1\", -1))", On.Tcp4, c => c.S.Connect(("127.0.0.1", -1)), Throws<ArgumentOutOfRangeException>("address"), profile: profile);
            t.Add("Connect((\"::1\", 80)) IPv6 literal on AF_INET", On.Tcp4, c => c.S.Connect(("::1", 80)), Throws<ArgumentException>("address"), profile: profile);
            t.Add("Connect((\"127.0.0.1\", 80)) IPv4 literal on AF_INET6", On.Tcp6, c => c.S.Connect(("127.0.0.1", 80)), Throws<ArgumentException>("address"), profile: profile);
            t.Add("Connect((\"a b\", 80))", On.Tcp4, c => c.S.Connect(("a b", 80)), Throws<ArgumentException>("address"), profile: profile);
        }

        t.Add("Connect((null, 80))", On.Tcp6, c => c.S.Connect((null!, 80)), Throws<ArgumentNullException>("address"));
        t.Add("Connect((null, 80))", On.Udp4, c => c.S.Connect((null!, 80)), Throws<ArgumentNullException>("address"));
        foreach (int port in new[] { 65536, int.MinValue })
        {
            t.Add($"Connect((\"127.0.0.1\", {port}))", On.Tcp4, c => c.S.Connect(("127.0.0.1", port)), Throws<ArgumentOutOfRangeException>("address"));
        }

        t.Add("Connect((\"::1\", 65536))", On.Udp6, c => c.S.Connect(("::1", 65536)), Throws<ArgumentOutOfRangeException>("address"));
        t.Add("Connect((\"x..com\", 80))", On.Tcp4, c => c.S.Connect(("x..com", 80)), Throws<ArgumentException>("address"));
        t.Add("Connect((\"localhost:80\", 80))", On.Tcp4, c => c.S.Connect(("localhost:80", 80)), Throws<ArgumentException>("address"));
        t.Add("Connect((\"[::1]:80\", 80))", On.Tcp6, c => c.S.Connect(("[::1]:80", 80)), Throws<ArgumentException>("address"));
        t.Add("Connect((\"::1\", 80)) IPv6 literal on AF_INET", On.Udp4, c => c.S.Connect(("::1", 80)), Throws<ArgumentException>("address"));
        t.Add("Connect(IPEndPoint ::1) on AF_INET", On.Tcp4, c => c.S.Connect(new IPEndPoint(IPAddress.IPv6Loopback, 80)), Throws<ArgumentException>("endPoint"));
        t.Add("Connect(IPEndPoint 127.0.0.1) on AF_INET6", On.Tcp6, c => c.S.Connect(new IPEndPoint(IPAddress.Loopback, 80)), Throws<ArgumentException>("endPoint"));

        // Failures that do start a connect: the device profile's socket is spent (114 from then on), a POSIX one retries.
        t.Add("Connect((\"nohost.invalid\", 80))", On.Tcp4, c => c.S.Connect(("nohost.invalid", 80)), Raises(Errno.LWIP_EAI_FAIL), "a second Connect raises 114", SecondConnectIsEALREADY);
        t.Add("Connect((\"nohost.invalid\", 80))", On.Tcp4, c => c.S.Connect(("nohost.invalid", 80)), Raises(Errno.EAI_NONAME), AfterConnects, P);
        t.Add("Connect((\"127.0.0.1\", 0)) refused", On.Tcp4, c => c.S.Connect(("127.0.0.1", 0)), Raises(Errno.ECONNRESET), "a second Connect raises 114", SecondConnectIsEALREADY);
        t.Add("Connect((\"127.0.0.1\", 0)) refused", On.Tcp4, c => c.S.Connect(("127.0.0.1", 0)), Raises(Errno.ECONNREFUSED), AfterConnects, P);
        t.Add("Connect(a bound port nobody listens on) refused", On.Tcp6, c => c.S.Connect(c.BoundNotListening()), Raises(Errno.ECONNRESET), "a second Connect raises 114", SecondConnectIsEALREADY);
        t.Add("Connect(a bound port nobody listens on) refused", On.Tcp6, c => c.S.Connect(c.BoundNotListening()), Raises(Errno.ECONNREFUSED), AfterConnects, P);

        foreach (On on in new[] { On.Connected4, On.Connected6 })
        {
            t.Add("Connect twice", on, c => c.S.Connect(c.Peer.GetSockName()), Raises(Errno.EALREADY));
            t.Add("Connect twice", on, c => c.S.Connect(c.Peer.GetSockName()), Raises(Errno.EISCONN), profile: P);
        }

        t.Add("Connect(own address) when listening", On.Listening4, c => c.S.Connect(c.S.GetSockName()), Raises(Errno.EALREADY));
        t.Add("Connect(own address) when listening", On.Listening4, c => c.S.Connect(c.S.GetSockName()), Raises(Errno.EISCONN), profile: P);
        t.Add("Connect() non-blocking", On.Tcp4, c =>
        {
            c.S.SetBlocking(false);
            c.S.Connect(Loopback.Address(c.NewListener()));
        }, Raises(Errno.EINPROGRESS), "it completes, and a second Connect raises 114", c =>
        {
            Assert.True(Loopback.Eventually(() => c.S.GetSocketSta() == (int)TcpState.Established));
            Loopback.Raises(Errno.EALREADY, () => c.S.Connect(("127.0.0.1", 1)));
        });
        t.Add("Connect() non-blocking", On.Tcp4, c =>
        {
            c.S.SetBlocking(false);
            c.S.Connect(Loopback.Address(c.NewListener()));
        }, Raises(Errno.EINPROGRESS), "it completes, and a second Connect raises 106", c =>
        {
            Assert.True(Loopback.Eventually(() => c.S.GetSocketSta() == (int)TcpState.Established));
            Loopback.Raises(Errno.EISCONN, () => c.S.Connect(("127.0.0.1", 1)));
        }, P);
        t.Add("Connect twice on SOCK_DGRAM (a datagram socket may re-connect)", On.Udp4, c =>
        {
            c.S.Bind(c.Loop());
            c.S.Connect(("127.0.0.1", 9));
            c.S.Connect(c.S.GetSockName());
            Assert.Equal(c.S.GetSockName(), c.S.GetPeerName());
        }, Returns, profile: P);
    }
}
