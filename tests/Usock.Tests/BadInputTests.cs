using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Issue 5, "1. Bad input": one table of named cases that feeds every public member of <see cref="USocket"/> (the
/// static <see cref="USocket.GetAddrInfo(string, int)"/>, the property setters, the async members and the
/// <see cref="USocket.MakeFile"/> stream included), of <see cref="Poller"/> and of <see cref="USelect"/> invalid
/// arguments and calls in the wrong state. Each case
/// <list type="bullet">
/// <item>asserts the exact exception type, the errno of a <see cref="UsocketException"/>, and the <c>ParamName</c> of an
/// argument exception where the library documents the argument;</item>
/// <item>runs on its own thread under a deadline (<see cref="Limit"/>): a call that hangs fails the case, and its
/// sockets are closed so the run goes on;</item>
/// <item>then checks that the socket still works where it must (a round trip on a connected socket, a connect on a
/// fresh one, an accept on a listener, a datagram on a UDP socket), or stays closed.</item>
/// </list>
/// Run it alone with <c>dotnet test -- --filter-class Usock.Tests.BadInputTests</c>.
/// </summary>
public class BadInputTests
{
    /// <summary>The most a single bad call may take; the slowest case waits 200 ms for a timeout.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    private const UsocketProfile Q = UsocketProfile.QuecPython;
    private const UsocketProfile P = UsocketProfile.Posix;
    private const double AfterTimeout = 5;

    private static readonly Dictionary<string, BadCase> AllCases = Build();

    /// <summary>What a case starts from.</summary>
    private enum On
    {
        /// <summary>No socket: static members and constructors.</summary>
        None,
        Tcp4,
        Tcp6,
        Udp4,
        Udp6,
        /// <summary>A connected pair over 127.0.0.1; the subject is the client, the peer the accepted side.</summary>
        Connected4,
        Connected6,
        Listening4,
        Closed,
        ClosedConnected,
        ClosedUdp,
    }

    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in AllCases.Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name)
    {
        BadCase c = AllCases[name];
        using var ctx = new Ctx(c.On, c.Profile);
        using var guard = new HangGuard(4 * Limit.TotalSeconds, ctx.Sockets());

        var sw = Stopwatch.StartNew();
        Exception? thrown = RunWithDeadline(ctx, c.Act);
        sw.Stop();

        c.Expect.Check(thrown);
        Assert.True(sw.Elapsed < Limit, $"the call took {sw.Elapsed.TotalMilliseconds:F0} ms");
        c.After?.Invoke(ctx);
    }

    [Fact]
    public void Table_HasAtLeast150NamedCases_CoveringEveryPublicMember()
    {
        Assert.InRange(AllCases.Count, 150, int.MaxValue);

        // Every public method and settable property of USocket, Poller and USelect is fed bad input by at least one
        // case. DefaultLogger is the one exception: it is process-wide, and setting it (even to null) would change
        // other tests' sockets.
        string[] missing = Members(typeof(USocket), "").Concat(Members(typeof(Poller), "Poller.")).Concat(Members(typeof(USelect), "USelect."))
            .Where(m => m is not ("DefaultLogger =" or "ToString(" or "Poller.ToString("))
            .Append("new USocket(")
            .Where(m => !AllCases.Values.Any(c => c.Call.Contains(m, StringComparison.Ordinal)))
            .ToArray();
        Assert.True(missing.Length == 0, "no case for: " + string.Join(", ", missing));
    }

    private static IEnumerable<string> Members(Type type, string prefix) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName)
            .Select(m => prefix + m.Name + "(")
            .Concat(type.GetProperties().Where(p => p.SetMethod?.IsPublic == true).Select(p => prefix + p.Name + " ="))
            .Distinct();

    // Runs the call on its own thread: a hang fails the case (after closing its sockets) instead of the run.
    private static Exception? RunWithDeadline(Ctx ctx, Action<Ctx> act)
    {
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            try
            {
                act(ctx);
            }
            catch (Exception e)
            {
                thrown = e;
            }
        })
        {
            IsBackground = true,
            Name = "bad-input case",
        };
        thread.Start();
        if (!thread.Join(Limit))
        {
            ctx.CloseAll();
            thread.Join(Limit);
            Assert.Fail($"the call did not return within {Limit.TotalSeconds} s (its sockets were closed)");
        }

        return thrown;
    }

    // ---------------------------------------------------------------- the table

    private static Dictionary<string, BadCase> Build()
    {
        var t = new CaseTable();
        GetAddrInfoCases(t);
        ConstructorCases(t);
        PropertyCases(t);
        BindCases(t);
        ListenAcceptCases(t);
        ConnectCases(t);
        SendCases(t);
        SendToCases(t);
        RecvCases(t);
        ReadCases(t);
        MakeFileCases(t);
        SetSockOptCases(t);
        TimeoutCases(t);
        ShutdownAndNameCases(t);
        AsyncCases(t);
        PollerCases(t);
        ClosedCases(t);
        return t.Cases;
    }

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

    // ---------------------------------------------------------------- expectations

    private static ReturnsExpect Returns => new();

    private static ErrnoExpect Raises(int errno) => new(errno);

    private static TypeExpect Throws<T>(string? paramName)
        where T : Exception => new(typeof(T), paramName);

    private abstract record Expect
    {
        public abstract void Check(Exception? thrown);

        protected static void RethrowAssertion(Exception? thrown)
        {
            if (thrown is Xunit.Sdk.IAssertionException)
            {
                ExceptionDispatchInfo.Capture(thrown).Throw();
            }
        }
    }

    private sealed record ReturnsExpect : Expect
    {
        public override void Check(Exception? thrown)
        {
            if (thrown is not null)
            {
                ExceptionDispatchInfo.Capture(thrown).Throw();
            }
        }

        public override string ToString() => "returns";
    }

    private sealed record ErrnoExpect(int Errno) : Expect
    {
        public override void Check(Exception? thrown)
        {
            RethrowAssertion(thrown);
            Assert.True(thrown is not null, $"expected errno {Errno}, but the call returned");
            UsocketException e = Assert.IsType<UsocketException>(thrown, exactMatch: true);
            Assert.Equal(Errno, e.Errno);
            Assert.StartsWith($"[Errno {Errno}] ", e.Message, StringComparison.Ordinal);
        }

        public override string ToString() => $"errno {Errno} {Usock.Errno.Name(Errno)}";
    }

    private sealed record TypeExpect(Type Type, string? ParamName) : Expect
    {
        public override void Check(Exception? thrown)
        {
            RethrowAssertion(thrown);
            Assert.True(thrown is not null, $"expected {Type.Name}, but the call returned");
            Assert.IsType(Type, thrown, exactMatch: true);
            if (thrown is ArgumentException a)
            {
                Assert.Equal(ParamName, a.ParamName);
            }
        }

        public override string ToString() => ParamName is null ? Type.Name : $"{Type.Name}({ParamName})";
    }

    private readonly record struct AfterCheck(string Name, Action<Ctx> Check);

    private sealed record BadCase(string Call, On On, UsocketProfile Profile, Action<Ctx> Act, Expect Expect, AfterCheck? AfterCheck)
    {
        public Action<Ctx>? After => AfterCheck?.Check;

        public string Name
        {
            get
            {
                string where = On == On.None ? "" : $" on {Fixture(On)}";
                string profile = On == On.None ? "" : $", {Profile}";
                string after = AfterCheck is { } a ? $"; then {a.Name}" : "";
                return $"{Call}{where}{profile} => {Expect}{after}";
            }
        }

        private static string Fixture(On on) => on switch
        {
            On.Tcp4 => "fresh TCP/IPv4",
            On.Tcp6 => "fresh TCP/IPv6",
            On.Udp4 => "UDP/IPv4",
            On.Udp6 => "UDP/IPv6",
            On.Connected4 => "connected TCP/IPv4",
            On.Connected6 => "connected TCP/IPv6",
            On.Listening4 => "listening TCP/IPv4",
            On.Closed => "closed TCP",
            On.ClosedConnected => "closed connected TCP",
            On.ClosedUdp => "closed UDP",
            _ => on.ToString(),
        };
    }

    private sealed class CaseTable
    {
        public Dictionary<string, BadCase> Cases { get; } = new(StringComparer.Ordinal);

        public void Add(string call, On on, Action<Ctx> act, Expect expect, AfterCheck? after = null, UsocketProfile profile = Q) =>
            Put(new BadCase(call, on, profile, act, expect, after ?? DefaultAfter(on)));

        public void Add(string call, On on, Action<Ctx> act, Expect expect, string afterName, Action<Ctx> after, UsocketProfile profile = Q) =>
            Put(new BadCase(call, on, profile, act, expect, new AfterCheck(afterName, after)));

        private void Put(BadCase c) => Cases.Add(c.Name, c); // a duplicate name is a mistake in the table: Add throws
    }

    /// <summary>The sockets of one case, closed together (also when the call hangs).</summary>
    private sealed class Ctx : IDisposable
    {
        private readonly List<USocket> _owned = [];
        private readonly Dictionary<string, Stream> _files = [];
        private readonly USocket? _s;
        private readonly USocket? _peer;

        public Ctx(On on, UsocketProfile profile)
        {
            On = on;
            Profile = profile;
            Af = on is On.Tcp6 or On.Udp6 or On.Connected6 ? USocket.AF_INET6 : USocket.AF_INET;
            switch (on)
            {
                case On.None:
                    break;
                case On.Tcp4 or On.Tcp6 or On.Closed:
                    _s = Own(new USocket(Af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile));
                    break;
                case On.Udp4 or On.Udp6 or On.ClosedUdp:
                    _s = Own(new USocket(Af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, profile));
                    break;
                case On.Connected4 or On.Connected6 or On.ClosedConnected:
                    Pair p = Loopback.Connected(Af, profile);
                    _s = Own(p.Client);
                    _peer = Own(p.Server);
                    break;
                case On.Listening4:
                    _s = Own(Loopback.Listener(Af, profile));
                    break;
            }

            if (on == On.ClosedUdp)
            {
                _s!.Bind(Loop());
            }

            if (on is On.Closed or On.ClosedConnected or On.ClosedUdp)
            {
                _s!.Close();
            }

            if (_s is not null)
            {
                _s.Logger = new ListLogger(Warnings);
            }
        }

        public On On { get; }

        public UsocketProfile Profile { get; }

        public int Af { get; }

        public USocket S => _s ?? throw new InvalidOperationException("this case has no socket");

        public USocket Peer => _peer ?? throw new InvalidOperationException("this case has no peer");

        public List<string> Warnings { get; } = [];

        /// <summary>A value a case keeps for its after-check.</summary>
        public (string Host, int Port) Mark { get; set; }

        public (string Host, int Port) Loop(int port = 0) => (Loopback.Host(Af), port);

        public USocket Own(USocket s)
        {
            lock (_owned)
            {
                _owned.Add(s);
            }

            return s;
        }

        public USocket[] Sockets()
        {
            lock (_owned)
            {
                return [.. _owned];
            }
        }

        public USocket NewListener() => Own(Loopback.Listener(Af, Profile));

        /// <summary>An address where a socket is bound but nobody listens: connecting there is refused.</summary>
        public (string Host, int Port) BoundNotListening()
        {
            USocket holder = Own(new USocket(Af));
            holder.Bind(Loop());
            return holder.GetSockName();
        }

        public Stream File(string mode)
        {
            lock (_files)
            {
                if (!_files.TryGetValue(mode, out Stream? f))
                {
                    f = S.MakeFile(mode);
                    _files[mode] = f;
                }

                return f;
            }
        }

        public void CloseAll()
        {
            foreach (USocket s in Sockets())
            {
                s.Close();
            }
        }

        public void Dispose()
        {
            lock (_files)
            {
                foreach (Stream f in _files.Values)
                {
                    f.Dispose();
                }
            }

            CloseAll();
        }
    }

    private sealed class ListLogger(List<string> warnings) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                lock (warnings)
                {
                    warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
