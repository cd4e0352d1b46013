using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Close from another thread while a call is PROVEN blocked (issue 9, defect 1): the call wakes with 9 EBADF at
/// once, and the peer receives every byte the socket sent before the close, then end of stream (FIN, not 104).
/// </summary>
public class CloseWakeTests
{
    /// <summary>The longest a woken call may take from Close to its exception (generous: the machine is shared).</summary>
    private const double WakeMs = 1000;

    /// <summary>Bytes the closing socket queues for its peer before it blocks.</summary>
    private const int Queued = 256 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, int> SyncMembers => Cross("Recv", "RecvInto", "Read", "ReadInto", "ReadLine", "RecvFrom", "Accept", "Send", "SendAll", "Connect");

    public static TheoryData<string, int> AsyncMembers => Cross("ConnectAsync", "AcceptAsync", "RecvAsync", "ReadIntoAsync", "ReadLineAsync", "SendAsync", "SendAllAsync");

    [Theory]
    [MemberData(nameof(SyncMembers))]
    public void Sync_BlockedCall_WakesWithEbadf_AndThePeerGetsEveryByteThenEof(string member, int af)
    {
        Blocked.SkipUnlessSupported();
        switch (member)
        {
            case "Accept":
                {
                    using USocket l = Loopback.Listener(af);
                    WakeByClose(l, BlockedCall.Start(member, () => l.Accept()));
                    return;
                }

            case "Connect":
                {
                    using var silent = new SilentListener(af);
                    using var c = new USocket(af);
                    WakeByClose(c, BlockedCall.Start(member, () => c.Connect(silent.Address)));
                    return;
                }

            case "RecvFrom":
                {
                    using var u = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
                    u.Bind((Loopback.Host(af), 0));
                    WakeByClose(u, BlockedCall.Start(member, () => u.RecvFrom(100)));
                    return;
                }

            case "Send":
            case "SendAll":
                {
                    using Pair pair = Loopback.Connected(af);
                    using var guard = HangGuard.For(pair);
                    long filled = Buffers.Fill(pair.Client, pair.Server); // stays full: no room opens before the close
                    byte[] more = Wire.Seq(Buffers.MoreThanFits, (int)(filled % 251));
                    BlockedCall call = member == "Send"
                        ? BlockedCall.Start(member, () => pair.Client.Send(more))
                        : BlockedCall.Start(member, () => pair.Client.SendAll(more));
                    WakeByClose(pair.Client, call);
                    byte[] got = ReadToEnd(pair.Server);
                    Assert.True(got.Length >= filled, $"the peer got {got.Length} bytes of the {filled} queued before the close");
                    Assert.True(got.Length <= filled + more.Length);
                    Assert.Equal(Wire.Hash(Wire.Seq(got.Length)), Wire.Hash(got));
                    return;
                }

            default:
                {
                    using Pair pair = Loopback.Connected(af);
                    using var guard = HangGuard.For(pair);
                    byte[] sent = Wire.RandomBytes(Queued);
                    pair.Client.SendAll(sent);
                    var buffer = new byte[100];
                    Func<object?> call = member switch
                    {
                        "Recv" => () => pair.Client.Recv(100),
                        "RecvInto" => () => pair.Client.RecvInto(buffer),
                        "Read" => () => pair.Client.Read(10),
                        "ReadInto" => () => pair.Client.ReadInto(buffer, 10),
                        "ReadLine" => () => pair.Client.ReadLine(),
                        _ => throw new ArgumentOutOfRangeException(nameof(member)),
                    };
                    WakeByClose(pair.Client, BlockedCall.Start(member, call));
                    byte[] got = ReadToEnd(pair.Server);
                    Assert.Equal(sent.Length, got.Length);
                    Assert.Equal(Wire.Hash(sent), Wire.Hash(got));
                    return;
                }
        }
    }

    [Theory]
    [MemberData(nameof(AsyncMembers))]
    public async Task Async_PendingCall_WakesWithEbadf_AndThePeerGetsEveryByteThenEof(string member, int af)
    {
        switch (member)
        {
            case "AcceptAsync":
                {
                    using USocket l = Loopback.Listener(af);
                    await WakeByCloseAsync(l, l.AcceptAsync(Ct).AsTask());
                    return;
                }

            case "ConnectAsync":
                {
                    using var silent = new SilentListener(af);
                    using var c = new USocket(af);
                    await WakeByCloseAsync(c, c.ConnectAsync(silent.Address, Ct).AsTask());
                    return;
                }

            case "SendAsync":
            case "SendAllAsync":
                {
                    using Pair pair = Loopback.Connected(af);
                    using var guard = HangGuard.For(pair);
                    long filled = Buffers.Fill(pair.Client, pair.Server); // stays full: no room opens before the close
                    byte[] more = Wire.Seq(Buffers.MoreThanFits, (int)(filled % 251));
                    Task call = member == "SendAsync"
                        ? pair.Client.SendAsync(more, Ct).AsTask()
                        : pair.Client.SendAllAsync(more, Ct).AsTask();
                    await WakeByCloseAsync(pair.Client, call);
                    byte[] got = ReadToEnd(pair.Server);
                    Assert.True(got.Length >= filled, $"the peer got {got.Length} bytes of the {filled} queued before the close");
                    Assert.True(got.Length <= filled + more.Length);
                    Assert.Equal(Wire.Hash(Wire.Seq(got.Length)), Wire.Hash(got));
                    return;
                }

            default:
                {
                    using Pair pair = Loopback.Connected(af);
                    using var guard = HangGuard.For(pair);
                    byte[] sent = Wire.RandomBytes(Queued);
                    pair.Client.SendAll(sent);
                    Task call = member switch
                    {
                        "RecvAsync" => pair.Client.RecvAsync(100, Ct).AsTask(),
                        "ReadIntoAsync" => pair.Client.ReadIntoAsync(new byte[100], 10, Ct).AsTask(),
                        "ReadLineAsync" => pair.Client.ReadLineAsync(Ct).AsTask(),
                        _ => throw new ArgumentOutOfRangeException(nameof(member)),
                    };
                    await WakeByCloseAsync(pair.Client, call);
                    byte[] got = ReadToEnd(pair.Server);
                    Assert.Equal(sent.Length, got.Length);
                    Assert.Equal(Wire.Hash(sent), Wire.Hash(got));
                    return;
                }
        }
    }

    /// <summary>Reads until end of stream (a 0-byte read); a reset (104) fails the test through its exception.</summary>
    internal static byte[] ReadToEnd(USocket s)
    {
        s.SetTimeout(Loopback.Patience);
        using var all = new MemoryStream();
        while (true)
        {
            byte[] chunk;
            try
            {
                chunk = s.Recv(256 * 1024);
            }
            catch (UsocketException e) when (e.Errno == Errno.ENOTCONN && s.Profile == UsocketProfile.QuecPython)
            {
                return all.ToArray(); // the device profile's first end of stream on Recv (lwIP's ERR_CONN)
            }
            catch (UsocketException e)
            {
                Assert.Fail($"the peer read {all.Length} bytes and then got errno {e.Errno} instead of end of stream");
                throw;
            }

            if (chunk.Length == 0)
            {
                return all.ToArray();
            }

            all.Write(chunk);
        }
    }

    private static TheoryData<string, int> Cross(params string[] members)
    {
        var data = new TheoryData<string, int>();
        foreach (string m in members)
        {
            data.Add(m, USocket.AF_INET);
            data.Add(m, USocket.AF_INET6);
        }

        return data;
    }

    private static void WakeByClose(USocket s, BlockedCall call)
    {
        Blocked.On(call, s);
        long t0 = Stopwatch.GetTimestamp();
        s.Close();
        var e = Assert.IsType<UsocketException>(call.Raised(), exactMatch: false);
        double ms = call.MillisecondsSince(t0);
        TestContext.Current.TestOutputHelper?.WriteLine($"{call.Name}: woke {ms:F2} ms after Close with errno {e.Errno}");
        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.True(ms < WakeMs, $"{call.Name} woke {ms:F0} ms after Close");
    }

    private static async Task WakeByCloseAsync(USocket s, Task call)
    {
        Assert.False(call.IsCompleted, $"the call ended instead of waiting: {call.Exception?.InnerException}");
        await Task.Yield();
        Assert.False(call.IsCompleted, $"the call ended instead of waiting: {call.Exception?.InnerException}");
        var sw = Stopwatch.StartNew();
        s.Close();
        var e = await Assert.ThrowsAnyAsync<UsocketException>(() => call.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));
        double ms = sw.Elapsed.TotalMilliseconds;
        TestContext.Current.TestOutputHelper?.WriteLine($"woke {ms:F2} ms after Close with errno {e.Errno}");
        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.True(ms < WakeMs, $"the call woke {ms:F0} ms after Close");
    }
}
