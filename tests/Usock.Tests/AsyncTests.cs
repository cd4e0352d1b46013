using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>The async members: each in each timeout mode, cancellation, a fake clock, and many clients at once.</summary>
public class AsyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public async Task ConnectAsync_ByMode(int af, Mode mode)
    {
        using USocket l = Loopback.Listener(af);
        await using var c = new USocket(af);
        Loopback.Apply(c, mode, 5);
        if (mode == Mode.NonBlocking)
        {
            var e = await Assert.ThrowsAsync<UsocketException>(async () => await c.ConnectAsync(l.GetSockName(), Ct));
            Assert.Equal(Errno.EINPROGRESS, e.Errno);
            Assert.True(Loopback.Eventually(() => c.GetSocketSta() == (int)TcpState.Established));
            return;
        }

        await c.ConnectAsync(l.GetSockName(), Ct);
        Assert.Equal((int)TcpState.Established, c.GetSocketSta());
        Assert.Equal(l.GetSockName().Port, c.GetPeerName().Port);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task ConnectAsync_ByName_AndByEndPoint(int af)
    {
        using USocket l = Loopback.Listener(af);
        await using var byName = new USocket(af);
        await byName.ConnectAsync(("localhost", l.GetSockName().Port), Ct);
        await using var byEndPoint = new USocket(af);
        await byEndPoint.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(Loopback.Host(af)), l.GetSockName().Port), Ct);
        Assert.Equal((int)TcpState.Established, byName.GetSocketSta());
        Assert.Equal((int)TcpState.Established, byEndPoint.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public async Task ConnectAsync_Refused_RaisesTheProfilesErrno(UsocketProfile profile)
    {
        int port = FreePort();
        await using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await c.ConnectAsync(("127.0.0.1", port), Ct));
        Assert.Equal(profile == UsocketProfile.QuecPython ? Errno.ECONNRESET : Errno.ECONNREFUSED, e.Errno);
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public async Task ConnectAsync_UnresolvableName_RaisesTheProfilesErrno(UsocketProfile profile)
    {
        await using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await c.ConnectAsync(("nohost.invalid", 80), Ct));
        Assert.Equal(profile == UsocketProfile.QuecPython ? Errno.LWIP_EAI_FAIL : Errno.EAI_NONAME, e.Errno);
    }

    [Fact]
    public async Task ConnectAsync_Timeout_RaisesETIMEDOUT_AndTheAttemptStaysPending()
    {
        using var full = new SilentListener();
        await using var c = new USocket();
        c.SetTimeout(0.3);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await c.ConnectAsync(full.Address, Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
        Assert.InRange(sw.ElapsedMilliseconds, 200, 5000);
        Assert.Equal((int)TcpState.SynSent, c.GetSocketSta());
        Loopback.Raises(Errno.EALREADY, () => c.Connect(full.Address)); // device profile: a second connect is 114
    }

    [Fact]
    public async Task ConnectAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var full = new SilentListener();
        await using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        using var cts = new CancellationTokenSource(300);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await c.ConnectAsync(full.Address, cts.Token));
        Loopback.Raises(Errno.EALREADY, () => c.Connect(full.Address)); // POSIX: still in progress
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public async Task AcceptAsync_ByMode(Mode mode)
    {
        using USocket l = Loopback.Listener();
        Loopback.Apply(l, mode, 5);
        if (mode == Mode.NonBlocking)
        {
            var e = await Assert.ThrowsAsync<UsocketException>(async () => await l.AcceptAsync(Ct));
            Assert.Equal(Errno.EAGAIN, e.Errno);
        }

        ValueTask<(USocket Conn, string Address, int Port)> pending = mode == Mode.NonBlocking ? default : l.AcceptAsync(Ct);
        using var c = new USocket();
        c.Connect(l.GetSockName());
        if (mode == Mode.NonBlocking)
        {
            Assert.True(Loopback.Eventually(() => USelect.Select([l], [], [], 0).Readable.Count == 1));
            pending = l.AcceptAsync(Ct);
        }

        (USocket conn, string address, int port) = await pending;
        using (conn)
        {
            Assert.Equal(c.GetSockName(), (address, port));
            Assert.Null(conn.Timeout);
        }
    }

    [Fact]
    public async Task AcceptAsync_Timeout_RaisesETIMEDOUT_ListenerStillWorks()
    {
        using USocket l = Loopback.Listener();
        l.SetTimeout(0.2);
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await l.AcceptAsync(Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
        using var c = new USocket();
        c.Connect(l.GetSockName());
        l.SetTimeout(5);
        (USocket conn, _, _) = await l.AcceptAsync(Ct);
        conn.Close();
    }

    [Fact]
    public async Task AcceptAsync_Cancelled_ListenerStillWorks()
    {
        using USocket l = Loopback.Listener();
        using var cts = new CancellationTokenSource(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await l.AcceptAsync(cts.Token));
        using var c = new USocket();
        c.Connect(l.GetSockName());
        l.SetTimeout(5);
        (USocket conn, _, _) = await l.AcceptAsync(Ct);
        conn.Close();
    }

    [Fact]
    public async Task AcceptAsync_NotListening_RaisesEINVAL()
    {
        await using var s = new USocket();
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await s.AcceptAsync(Ct));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public async Task RecvAsync_ByMode(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        Loopback.Apply(p.Client, mode, 0.3);
        if (mode != Mode.Blocking)
        {
            var e = await Assert.ThrowsAsync<UsocketException>(async () => await p.Client.RecvAsync(10, Ct));
            Assert.Equal(Loopback.WouldWaitErrno(mode), e.Errno);
        }

        ValueTask<byte[]> pending = mode == Mode.Blocking ? p.Client.RecvAsync(10, Ct) : default;
        p.Server.Send("hello"u8);
        if (mode != Mode.Blocking)
        {
            p.Client.SetTimeout(5);
            pending = p.Client.RecvAsync(10, Ct);
        }

        Assert.Equal("hello"u8.ToArray(), await pending);
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public async Task RecvAsync_EndOfStream_FollowsTheProfile(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        p.Server.Shutdown(USocket.SHUT_WR);
        p.Client.SetTimeout(5);
        if (profile == UsocketProfile.QuecPython)
        {
            var e = await Assert.ThrowsAsync<UsocketException>(async () => await p.Client.RecvAsync(10, Ct));
            Assert.Equal(Errno.ENOTCONN, e.Errno);
        }

        Assert.Empty(await p.Client.RecvAsync(10, Ct));
    }

    [Fact]
    public async Task RecvAsync_Cancelled_LosesNothing()
    {
        using Pair p = Loopback.Connected();
        using var cts = new CancellationTokenSource(150);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await p.Client.RecvAsync(10, cts.Token));
        p.Server.Send("after"u8);
        p.Client.SetTimeout(5);
        Assert.Equal("after"u8.ToArray(), p.Client.Recv(10));
    }

    [Fact]
    public async Task RecvAsync_CloseFromAnotherTask_RaisesEBADF()
    {
        using Pair p = Loopback.Connected();
        ValueTask<byte[]> pending = p.Client.RecvAsync(10, Ct);
        await Task.Delay(100, Ct);
        p.Client.Close();
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await pending);
        Assert.Equal(Errno.EBADF, e.Errno);
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public async Task ReadIntoAsync_FillsTheBuffer_AcrossPieces(Mode mode)
    {
        using Pair p = Loopback.Connected();
        Loopback.Apply(p.Client, mode, 5);
        var sender = Task.Run(async () =>
        {
            for (int i = 0; i < 4; i++)
            {
                p.Server.Send(new byte[] { (byte)i, (byte)i });
                await Task.Delay(20, Ct);
            }
        }, Ct);
        var buffer = new byte[8];
        if (mode == Mode.NonBlocking)
        {
            await sender;
            Assert.True(Loopback.Eventually(() => USelect.Select([p.Client], [], [], 0).Readable.Count == 1));
            int? some = await p.Client.ReadIntoAsync(buffer, cancellationToken: Ct);
            Assert.InRange(some ?? 0, 1, 8);
            return;
        }

        Assert.Equal(8, await p.Client.ReadIntoAsync(buffer, cancellationToken: Ct));
        Assert.Equal(new byte[] { 0, 0, 1, 1, 2, 2, 3, 3 }, buffer);
        await sender;
    }

    [Fact]
    public async Task ReadIntoAsync_TimeoutAfterSomeBytes_ReturnsThem()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(0.3);
        p.Server.Send("abc"u8);
        var buffer = new byte[10];
        Assert.Equal(3, await p.Client.ReadIntoAsync(buffer, cancellationToken: Ct));
        Assert.Equal("abc"u8.ToArray(), buffer[..3]);
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await p.Client.ReadIntoAsync(buffer, cancellationToken: Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
    }

    [Fact]
    public async Task ReadIntoAsync_BadArguments()
    {
        using Pair p = Loopback.Connected();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>("nbytes", async () => await p.Client.ReadIntoAsync(new byte[4], 5, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>("nbytes", async () => await p.Client.ReadIntoAsync(new byte[4], -2, Ct));
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public async Task ReadLineAsync_ByMode(Mode mode)
    {
        using Pair p = Loopback.Connected();
        Loopback.Apply(p.Client, mode, 0.3);
        p.Server.Send("one\ntw"u8);
        if (mode == Mode.NonBlocking)
        {
            Assert.True(Loopback.Eventually(() => USelect.Select([p.Client], [], [], 0).Readable.Count == 1));
        }

        Assert.Equal("one\n"u8.ToArray(), await p.Client.ReadLineAsync(Ct));
        if (mode == Mode.NonBlocking)
        {
            Assert.Null(await p.Client.ReadLineAsync(Ct)); // "tw" stays buffered
        }
        else if (mode == Mode.Timeout)
        {
            var e = await Assert.ThrowsAsync<UsocketException>(async () => await p.Client.ReadLineAsync(Ct));
            Assert.Equal(Errno.ETIMEDOUT, e.Errno); // "tw" stays buffered
        }

        p.Server.Send("o\n"u8);
        p.Client.SetTimeout(5);
        Assert.Equal("two\n"u8.ToArray(), await p.Client.ReadLineAsync(Ct));
        p.Server.Send("end"u8);
        p.Server.Shutdown(USocket.SHUT_WR);
        Assert.Equal("end"u8.ToArray(), await p.Client.ReadLineAsync(Ct));
        Assert.Empty((await p.Client.ReadLineAsync(Ct))!);
    }

    [Fact]
    public async Task ReadLineAsync_LineTooLong_RaisesENOBUFS()
    {
        using Pair p = Loopback.Connected();
        p.Client.MaxLineLength = 8;
        p.Client.SetTimeout(5);
        p.Server.Send("0123456789\n"u8);
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await p.Client.ReadLineAsync(Ct));
        Assert.Equal(Errno.ENOBUFS, e.Errno);
        Assert.Equal("0123456789\n"u8.ToArray(), p.Client.Read(11));
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public async Task SendAsync_AndSendAllAsync_ByMode(Mode mode)
    {
        using Pair p = Loopback.Connected();
        Loopback.Apply(p.Client, mode, 5);
        Assert.Equal(5, await p.Client.SendAsync("hello"u8.ToArray(), Ct));
        await p.Client.SendAllAsync("world"u8.ToArray(), Ct);
        p.Server.SetTimeout(5);
        Assert.Equal("helloworld"u8.ToArray(), p.Server.Read(10));
    }

    [Fact]
    public async Task SendAllAsync_Megabytes_ArriveIntact()
    {
        using Pair p = Loopback.Connected();
        byte[] data = RandomNumberGenerator.GetBytes(8 << 20);
        p.Server.SetTimeout(30);
        var reader = Task.Run(() => p.Server.Read(data.Length), Ct);
        p.Client.SetTimeout(30);
        await p.Client.SendAllAsync(data, Ct);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData((await reader)!));
    }

    [Fact]
    public async Task SendAllAsync_PeerNotReading_TimesOutOnce()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(0.5);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await p.Client.SendAllAsync(new byte[64 << 20], Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
        Assert.InRange(sw.ElapsedMilliseconds, 300, 5000);
    }

    [Fact]
    public async Task SendAsync_Empty_FollowsTheProfile()
    {
        using Pair device = Loopback.Connected();
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await device.Client.SendAsync(ReadOnlyMemory<byte>.Empty, Ct));
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
        using Pair posix = Loopback.Connected(USocket.AF_INET, UsocketProfile.Posix);
        Assert.Equal(0, await posix.Client.SendAsync(ReadOnlyMemory<byte>.Empty, Ct));
    }

    [Fact]
    public async Task FakeClock_DrivesAsyncTimeouts()
    {
        using Pair p = Loopback.Connected();
        var clock = new FakeTimeProvider();
        p.Client.TimeProvider = clock;
        p.Client.SetTimeout(30);
        var sw = Stopwatch.StartNew();
        ValueTask<byte[]> pending = p.Client.RecvAsync(10, Ct);
        clock.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50, Ct);
        Assert.False(pending.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<UsocketException>(async () => await pending);
        Assert.Equal(Errno.ETIMEDOUT, e.Errno);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "a 30 s timeout on the fake clock took real time");

        p.Server.Send("still usable"u8); // and the reused timer works for the next call
        Assert.Equal("still usable"u8.ToArray(), await p.Client.RecvAsync(100, Ct));
    }

    [Fact]
    public async Task DisposeAsync_Closes()
    {
        var s = new USocket();
        await s.DisposeAsync();
        Assert.True(s.IsClosed);
        Assert.Equal(-1, s.GetSocketSta());
    }

    [Fact]
    public async Task AfterClose_AsyncMembersRaiseEBADF()
    {
        var s = new USocket();
        s.Close();
        foreach (Func<Task> call in new Func<Task>[]
        {
            async () => await s.ConnectAsync(("127.0.0.1", 1), Ct),
            async () => await s.AcceptAsync(Ct),
            async () => await s.RecvAsync(1, Ct),
            async () => await s.ReadIntoAsync(new byte[1], cancellationToken: Ct),
            async () => await s.ReadLineAsync(Ct),
            async () => await s.SendAsync(new byte[1], Ct),
            async () => await s.SendAllAsync(new byte[1], Ct),
        })
        {
            var e = await Assert.ThrowsAsync<UsocketException>(call);
            Assert.Equal(Errno.EBADF, e.Errno);
        }
    }

    [Fact]
    public async Task ThousandConcurrentAsyncEchoClients_EveryByteBack()
    {
        const int Clients = 1000;
        const int Lines = 20;
        using USocket l = Loopback.Listener(backlog: 1024);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var server = Task.Run(async () =>
        {
            var handlers = new List<Task>();
            for (int i = 0; i < Clients; i++)
            {
                (USocket conn, _, _) = await l.AcceptAsync(stop.Token);
                handlers.Add(Task.Run(async () =>
                {
                    await using (conn)
                    {
                        byte[]? line;
                        while ((line = await conn.ReadLineAsync(stop.Token)) is { Length: > 0 })
                        {
                            await conn.SendAllAsync(line, stop.Token);
                        }
                    }
                }, stop.Token));
            }

            await Task.WhenAll(handlers);
        }, Ct);

        var clients = Enumerable.Range(0, Clients).Select(n => Task.Run(async () =>
        {
            await using var c = new USocket();
            c.SetTimeout(60);
            await c.ConnectAsync(l.GetSockName(), stop.Token);
            var expected = new StringBuilder();
            for (int i = 0; i < Lines; i++)
            {
                string line = $"client {n} line {i} {new string('x', n % 50)}\n";
                expected.Append(line);
                await c.SendAllAsync(Encoding.ASCII.GetBytes(line), stop.Token);
            }

            c.Shutdown(USocket.SHUT_WR);
            var got = new StringBuilder();
            byte[]? back;
            while ((back = await c.ReadLineAsync(stop.Token)) is { Length: > 0 })
            {
                got.Append(Encoding.ASCII.GetString(back));
            }

            return expected.ToString() == got.ToString();
        }, stop.Token)).ToArray();

        bool[] results = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(120), Ct);
        Assert.All(results, Assert.True);
        await server.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private static int FreePort()
    {
        using var probe = new USocket();
        probe.Bind(("127.0.0.1", 0));
        return probe.GetSockName().Port;
    }

}
