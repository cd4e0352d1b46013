using System.Diagnostics;
using System.Reflection;

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
public partial class BadInputTests
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
}
