using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Usock.Tests;

/// <summary>
/// Network faults with real sockets and real peers on loopback: a refused connect, a reset in the middle of a
/// stream (the peer closes with SO_LINGER {on, 0}), a peer that half-closes, a peer that vanishes while we send
/// (closed, or its process killed), a timeout in every blocking call, a name that does not resolve, failed binds,
/// and running out of file descriptors. Each asserts the errno the spec gives (per profile where the profiles
/// differ), that no byte that arrived is lost, that the socket or the process recovers where it should, and that
/// no descriptor leaks: every fault is injected several times (<see cref="Repeats"/> for the quick ones) after one
/// warm-up, between two counts of <c>/proc/self/fd</c> (<see cref="Fds.AssertNoLeak"/>).
/// </summary>
/// <remarks>
/// The class runs in the <see cref="Serial"/> collection, alone, so the descriptor counts are the tests' own.
/// Running out of descriptors happens in a child process (<c>tests/Usock.FaultPeer</c>): the limit is the whole
/// process's, and lowering it here would fail whatever else runs.
/// </remarks>
[Collection(Serial.Name)]
public partial class FaultTests(ITestOutputHelper output)
{
    private const int Repeats = 10;
    private static readonly byte[] Partial = "abc"u8.ToArray();

    public static TheoryData<int, UsocketProfile> FamiliesAndProfiles
    {
        get
        {
            var data = new TheoryData<int, UsocketProfile>();
            foreach (int af in new[] { USocket.AF_INET, USocket.AF_INET6 })
            {
                data.Add(af, UsocketProfile.QuecPython);
                data.Add(af, UsocketProfile.Posix);
            }

            return data;
        }
    }

    public static TheoryData<string, UsocketProfile> CallsAfterReset => CallsAndProfiles(
        "Recv", "RecvInto", "RecvFrom", "Read", "ReadAll", "ReadLine", "ReadInto", "MakeFileRead", "Send", "SendAll", "Write", "MakeFileWrite");

    public static TheoryData<string, UsocketProfile> CallsBlockedByReset => CallsAndProfiles(
        "Recv", "RecvInto", "Read", "ReadLine", "ReadInto", "Send", "SendAll", "Write");

    public static TheoryData<string, UsocketProfile> AsyncCallsAfterReset => CallsAndProfiles(
        "RecvAsync", "ReadIntoAsync", "ReadIntoAsyncWaiting", "ReadLineAsync", "SendAsync", "SendAllAsync");

    public static TheoryData<string, UsocketProfile> HalfCloseReaders => CallsAndProfiles(
        "Recv", "RecvInto", "Read", "ReadAll", "ReadLine", "ReadInto", "MakeFileRead");

    public static TheoryData<string, int> BlockingCalls
    {
        get
        {
            // SendTo is missing on purpose: a UDP send does not wait for the peer, so it cannot time out on a host.
            string[] calls =
            [
                "Accept", "Connect", "Recv", "RecvInto", "RecvFrom", "RecvFromUdp", "Read", "ReadAll", "ReadInto",
                "ReadLine", "MakeFileRead", "Send", "SendAll", "Write", "MakeFileWrite",
            ];
            var data = new TheoryData<string, int>();
            foreach (string call in calls)
            {
                data.Add(call, USocket.AF_INET);
                data.Add(call, USocket.AF_INET6);
            }

            return data;
        }
    }

    // ---------------------------------------------------------------- refused

    // A port that is bound but not listening answers a SYN with a RST: a refused connection, every time, with no
    // race against another test taking the port.
    [Theory]
    [MemberData(nameof(FamiliesAndProfiles))]
    public void Refused_RaisesTheProfilesErrno_InEveryMode_AndLeaksNothing(int af, UsocketProfile profile)
    {
        using var holder = new USocket(af, USocket.SOCK_STREAM, USocket.TCP_CUSTOMIZE_PORT);
        holder.Bind((Loopback.Host(af), 0));
        (string Host, int Port) closed = holder.GetSockName();
        int expected = profile == UsocketProfile.QuecPython ? Errno.ECONNRESET : Errno.ECONNREFUSED;

        Fds.AssertNoLeak("refused connect", Repeats, () =>
        {
            foreach (double? timeout in new double?[] { null, Loopback.Patience })
            {
                using var s = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
                s.SetTimeout(timeout);
                Loopback.Raises(expected, () => s.Connect(closed));
                Assert.Equal((int)TcpState.Closed, s.GetSocketSta());
            }

            // Non-blocking: the connect starts (115), the RST ends it, and the next Connect says what happened:
            // the refusal in the POSIX profile, 114 in the device profile (which never connects a socket twice).
            using var nb = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
            nb.SetBlocking(false);
            int first = Catch(() => nb.Connect(closed));
            Assert.True(first is Errno.EINPROGRESS || first == expected, $"non-blocking connect raised {first}");
            Assert.True(Loopback.Eventually(() => nb.GetSocketSta() == (int)TcpState.Closed));
            if (first == Errno.EINPROGRESS)
            {
                Loopback.Raises(profile == UsocketProfile.Posix ? Errno.ECONNREFUSED : Errno.EALREADY, () => nb.Connect(closed));
            }
        });
    }

    // ---------------------------------------------------------------- peer vanishing while we send

    // The peer closes without reading while our SendAll waits for room: its kernel answers the data with a reset,
    // and SendAll raises 104 (32 EPIPE if the reset was already reported). The process lives on: .NET ignores
    // SIGPIPE and Usock's own send passes MSG_NOSIGNAL.
    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void PeerClosesWhileWeSend_SendAllRaisesEconnresetOrEpipe(UsocketProfile profile)
    {
        Fds.AssertNoLeak("peer closed during SendAll", 3, () =>
        {
            using Pair p = Loopback.Connected(USocket.AF_INET, profile);
            using var guard = HangGuard.For(p);
            p.Client.SetTimeout(Loopback.Patience);
            var big = new byte[32 * 1024 * 1024];
            Task<int> send = Task.Run(() => Catch(() => p.Client.SendAll(big)));
            Wire.WaitAvailable(p.Server, 1);
            Thread.Sleep(100);
            p.Server.Close();
            Assert.True(send.Wait(TimeSpan.FromSeconds(Loopback.Patience)), "SendAll never woke up");
            Assert.Contains(send.Result, new[] { Errno.ECONNRESET, Errno.EPIPE });
            Assert.Contains(Catch(() => p.Client.Send(big)), new[] { Errno.ECONNRESET, Errno.EPIPE });
        });
        AssertStillWorks();
    }

    // The peer is another process, killed (SIGKILL) while our SendAll waits: the kernel closes its socket as for
    // a crash, with a reset. SendAll raises 104 or 32, and this process carries on.
    [Fact]
    public void PeerProcessKilledWhileWeSend_SendAllRaisesEconnresetOrEpipe()
    {
        Fds.AssertNoLeak("peer process killed during SendAll", 2, () =>
        {
            using USocket l = Loopback.Listener();
            using PeerProcess child = PeerProcess.Start("hold", "127.0.0.1", l.GetSockName().Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("connected", child.ReadLine(TimeSpan.FromSeconds(60)));
            l.SetTimeout(Loopback.Patience);
            using USocket conn = l.Accept().Conn;
            using var guard = new HangGuard(Loopback.Patience, conn);
            conn.SetTimeout(Loopback.Patience);
            var big = new byte[32 * 1024 * 1024];
            Task<int> send = Task.Run(() => Catch(() => conn.SendAll(big)));
            Thread.Sleep(300);
            Assert.False(send.IsCompleted, "SendAll finished although the peer reads nothing");
            child.Kill();
            Assert.True(send.Wait(TimeSpan.FromSeconds(Loopback.Patience)), "SendAll never woke up");
            Assert.Contains(send.Result, new[] { Errno.ECONNRESET, Errno.EPIPE });
            Assert.Equal((int)TcpState.Closed, conn.GetSocketSta());
        });
        AssertStillWorks();
    }

    // The sender is the child process (on Usock's native send path and on .NET's): we read a little, then close
    // with unread data, which resets the connection. The child must see 32 or 104 as an errno and exit 0; a
    // SIGPIPE would kill it (exit code 141).
    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public void ResetUnderASendingProcess_ItGetsAnErrno_NotSigpipe(string usockNative)
    {
        using USocket l = Loopback.Listener();
        using PeerProcess child = PeerProcess.Start(
            new Dictionary<string, string> { ["USOCK_NATIVE"] = usockNative },
            "sendpeer",
            "127.0.0.1",
            l.GetSockName().Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("connected", child.ReadLine(TimeSpan.FromSeconds(60)));
        l.SetTimeout(Loopback.Patience);
        using (USocket conn = l.Accept().Conn)
        {
            conn.SetTimeout(Loopback.Patience);
            Wire.ReadExactly(conn, 1024 * 1024);
        } // closed with unread data: RST

        int exit = child.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"the sending process exited {exit}: {child.StdErr}");
        Dictionary<string, string> r = child.ReadPairs();
        output.WriteLine(string.Join(", ", r.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Contains(int.Parse(r["send_errno"], System.Globalization.CultureInfo.InvariantCulture), new[] { Errno.ECONNRESET, Errno.EPIPE });
        Assert.Contains(int.Parse(r["again_errno"], System.Globalization.CultureInfo.InvariantCulture), new[] { Errno.ECONNRESET, Errno.EPIPE });
        Assert.Equal("True", r["alive"]);
    }

    // ---------------------------------------------------------------- timeouts

    // Every call that can wait, with a timeout of 0.15 s and nothing to wait for: 110 ETIMEDOUT, not before the
    // timeout and not long after, and the socket still works afterwards.
    [Theory]
    [MemberData(nameof(BlockingCalls))]
    public void Timeout_EveryBlockingCall_RaisesEtimedoutInTime_AndTheSocketStillWorks(string call, int af)
    {
        const double T = 0.15;
        var times = new List<double>();
        Fds.AssertNoLeak($"timeout in {call}", 2, () => times.Add(TimeoutCase(call, af, T)));
        output.WriteLine($"{call}: {string.Join(", ", times.Select(ms => $"{ms:F0} ms"))}");
        Assert.All(times, ms => Assert.InRange(ms, T * 1000 * 0.95, (T * 1000) + 1000));
    }

    // ---------------------------------------------------------------- DNS failure

    // A name under .invalid never resolves (RFC 6761): -202 in the device profile, -2 EAI_NONAME in the POSIX
    // one, from GetAddrInfo, Connect and Bind alike, at once (Usock answers .invalid without sending a query).
    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void DnsFailure_InvalidName_RaisesTheProfilesErrno_AtOnce_AndLeaksNothing(UsocketProfile profile)
    {
        int expected = profile == UsocketProfile.QuecPython ? Errno.LWIP_EAI_FAIL : Errno.EAI_NONAME;
        var sw = Stopwatch.StartNew();
        Fds.AssertNoLeak("DNS failure", Repeats, () =>
        {
            Loopback.Raises(expected, () => USocket.GetAddrInfo("nohost.invalid", 80, profile));
            using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
            Loopback.Raises(expected, () => c.Connect(("nohost.invalid", 80)));
            using var b = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
            Loopback.Raises(expected, () => b.Bind(("nohost.invalid", 0)));
            b.Bind(("127.0.0.1", 0)); // a failed lookup leaves the socket as it was
        });
        Assert.True(sw.Elapsed.TotalSeconds < 5, $"{Repeats + 1} rounds of failed lookups took {sw.Elapsed.TotalSeconds:F1} s");
    }

    // ---------------------------------------------------------------- failed binds

    // Binding an address in use (98) or one that is not local (99): the socket stays unbound and usable.
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void FailedBind_RaisesErrno_SocketStaysUsable_AndLeaksNothing(int af)
    {
        using USocket l = Loopback.Listener(af);
        string foreign = af == USocket.AF_INET ? "192.0.2.1" : "2001:db8::1"; // documentation addresses: never local
        Fds.AssertNoLeak("failed bind", Repeats, () =>
        {
            using var s = new USocket(af, USocket.SOCK_STREAM, USocket.TCP_CUSTOMIZE_PORT);
            Loopback.Raises(Errno.EADDRINUSE, () => s.Bind(l.GetSockName()));
            Loopback.Raises(Errno.EADDRNOTAVAIL, () => s.Bind((foreign, 0)));
            s.Bind((Loopback.Host(af), 0));
            s.Connect(l.GetSockName());
            l.SetTimeout(Loopback.Patience);
            l.Accept().Conn.Close();
        });
    }

    // ---------------------------------------------------------------- out of descriptors

    // In a child process whose descriptor limit is lowered: creating a socket (TCP, UDP, IPv6) raises 24 EMFILE
    // (23 ENFILE if the whole system ran out), Accept raises it too and leaves the connection queued, one closed
    // socket lets Accept take it (and it carries data), closing the rest lets as many sockets open again, and the
    // child ends with as many descriptors as it started with.
    [Fact]
    public void OutOfDescriptors_RaisesEmfile_AndTheProcessRecovers()
    {
        Dictionary<string, string> r = [];
        Fds.AssertNoLeak("EMFILE child", 1, () => r = PeerProcess.Run(TimeSpan.FromSeconds(60), "emfile"));
        output.WriteLine(string.Join(", ", r.Select(kv => $"{kv.Key}={kv.Value}")));
        int[] outOfFds = [Errno.EMFILE, Errno.ENFILE];
        Assert.Contains(Int(r, "create_errno"), outOfFds);
        Assert.Equal("[Errno 24] EMFILE", r["create_message"]);
        Assert.Contains(Int(r, "udp_errno"), outOfFds);
        Assert.Contains(Int(r, "tcp6_errno"), outOfFds);
        Assert.Contains(Int(r, "accept_errno"), outOfFds);
        Assert.InRange(Int(r, "opened"), 1, 64);
        Assert.Equal("True", r["accept_after_close"]);
        Assert.True(Int(r, "reopened") >= Int(r, "opened"), "fewer sockets open after recovering than before");
        Assert.Equal(0, Int(r, "leaked"));
    }

    // ---------------------------------------------------------------- privileges

    // In a child process that gave up root: a raw socket raises 1 EPERM and a bind to a privileged port 13 EACCES
    // (the kernel's own numbers, not merged by .NET's SocketError); an ordinary bind still works.
    [Fact]
    public void WithoutPrivileges_RawSocketIsEperm_PrivilegedPortIsEacces()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("dropping privileges in the child needs root to start from");
        }

        // From a world-readable copy: the clone may sit in a folder user nobody cannot enter (mktemp -d makes 0700).
        Dictionary<string, string> r = PeerProcess.RunUnprivileged(TimeSpan.FromSeconds(60), "unprivileged");
        output.WriteLine(string.Join(", ", r.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal("65534", r["uid"]);
        Assert.Equal(Errno.EPERM, Int(r, "raw"));
        Assert.Equal(Errno.EACCES, Int(r, "bind80"));
        Assert.Equal("0", r["bind0"]);
    }

    // ---------------------------------------------------------------- helpers

    private static TheoryData<string, UsocketProfile> CallsAndProfiles(params string[] calls)
    {
        var data = new TheoryData<string, UsocketProfile>();
        foreach (string call in calls)
        {
            data.Add(call, UsocketProfile.QuecPython);
            data.Add(call, UsocketProfile.Posix);
        }

        return data;
    }

    private static int Int(Dictionary<string, string> r, string key) =>
        int.Parse(r[key], System.Globalization.CultureInfo.InvariantCulture);

    private static int Catch(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (UsocketException e)
        {
            return e.Errno;
        }
    }

    private static async Task RaisesAsync(int errno, Func<Task> call)
    {
        UsocketException e = await Assert.ThrowsAsync<UsocketException>(call);
        Assert.Equal(errno, e.Errno);
    }

    private static int Run(Action action)
    {
        action();
        return 0;
    }

    // One timeout case: the elapsed milliseconds of the call that timed out.
    private static double TimeoutCase(string call, int af, double t)
    {
        switch (call)
        {
            case "Accept":
                {
                    using USocket l = Loopback.Listener(af);
                    using var guard = new HangGuard(Loopback.Patience, l);
                    l.SetTimeout(t);
                    double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => l.Accept());
                    using var c = new USocket(af);
                    c.Connect(l.GetSockName());
                    l.Accept().Conn.Close();
                    return ms;
                }

            case "Connect":
                {
                    using var hole = new SilentListener(af);
                    using var s = new USocket(af);
                    using var guard = new HangGuard(Loopback.Patience, s);
                    s.SetTimeout(t);
                    double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => s.Connect(hole.Address));
                    Assert.Equal((int)TcpState.SynSent, s.GetSocketSta()); // still trying, as after any timeout
                    return ms;
                }

            case "RecvFromUdp":
                {
                    using var u = new USocket(af, USocket.SOCK_DGRAM);
                    using var guard = new HangGuard(Loopback.Patience, u);
                    u.Bind((Loopback.Host(af), 0));
                    u.SetTimeout(t);
                    double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => u.RecvFrom(100));
                    using var sender = new USocket(af, USocket.SOCK_DGRAM);
                    sender.SendTo("ok", u.GetSockName());
                    u.SetTimeout(Loopback.Patience);
                    Assert.Equal("ok"u8.ToArray(), u.RecvFrom(100).Bytes);
                    return ms;
                }
        }

        using Pair p = Loopback.Connected(af);
        using var g = HangGuard.For(p);
        var buffer = new byte[100];
        var chunk = new byte[64 * 1024];
        bool sending = call is "Send" or "SendAll" or "Write" or "MakeFileWrite";
        if (sending)
        {
            Buffers.Fill(p.Client, p.Server);
        }

        p.Client.SetTimeout(t);
        using Stream? file = call switch
        {
            "MakeFileRead" => p.Client.MakeFile("rb"),
            "MakeFileWrite" => p.Client.MakeFile("wb"),
            _ => null,
        };
        Action action = call switch
        {
            "Recv" => () => p.Client.Recv(100),
            "RecvInto" => () => p.Client.RecvInto(buffer),
            "RecvFrom" => () => p.Client.RecvFrom(100),
            "Read" => () => p.Client.Read(100),
            "ReadAll" => () => p.Client.Read(),
            "ReadInto" => () => p.Client.ReadInto(buffer),
            "ReadLine" => () => p.Client.ReadLine(),
            "MakeFileRead" => () => file!.ReadExactly(buffer, 0, 1),
            "Send" => () => p.Client.Send(chunk),
            "SendAll" => () => p.Client.SendAll(chunk),
            "Write" => () => p.Client.Write(chunk),
            "MakeFileWrite" => () => file!.Write(chunk),
            _ => throw new ArgumentOutOfRangeException(nameof(call), call, null),
        };
        double elapsed = Wire.TimeRaise(Errno.ETIMEDOUT, action);

        // Still usable: the data that follows arrives, or (after draining the peer) a send goes out.
        p.Client.SetTimeout(Loopback.Patience);
        if (sending)
        {
            p.Server.SetTimeout(0.2);
            while (Catch(() => p.Server.RecvInto(chunk)) == 0)
            {
            }

            Assert.Equal(1, p.Client.Send("z"));
        }
        else
        {
            p.Server.SendAll("ok\n");
            Wire.Equal("ok\n"u8.ToArray(), p.Client.ReadLine());
        }

        return elapsed;
    }

    // After the faults, this process still makes connections and moves data.
    private static void AssertStillWorks()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(Loopback.Patience);
        p.Client.SendAll(Encoding.ASCII.GetBytes("alive\n"));
        p.Server.SetTimeout(Loopback.Patience);
        Wire.Equal("alive\n"u8.ToArray(), p.Server.ReadLine());
    }
}
