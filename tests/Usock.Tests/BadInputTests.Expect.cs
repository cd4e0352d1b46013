using System.Runtime.ExceptionServices;

namespace Usock.Tests;

// What a case expects (returns, an errno, an exception type), the case record and the table that collects them.
public partial class BadInputTests
{
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
}
