using System.Diagnostics;
using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>sendall(bytes)</c>: everything arrives, one deadline for the whole call, 11 when non-blocking and full;
/// and the empty send, where the profiles differ.
/// </summary>
public class SendAllTests
{
    private const double Long = Loopback.Patience;

    public static TheoryData<int, Mode> FamiliesAndWaitingModes => new()
    {
        { USocket.AF_INET, Mode.Blocking },
        { USocket.AF_INET, Mode.Timeout },
        { USocket.AF_INET6, Mode.Blocking },
        { USocket.AF_INET6, Mode.Timeout },
    };

    public static TheoryData<UsocketProfile, Mode> ProfilesAndModes
    {
        get
        {
            var data = new TheoryData<UsocketProfile, Mode>();
            foreach (UsocketProfile profile in Enum.GetValues<UsocketProfile>())
            {
                foreach (Mode mode in Enum.GetValues<Mode>())
                {
                    data.Add(profile, mode);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FamiliesAndWaitingModes))]
    public async Task SendAll_SeveralMiB_PeerReadingInAnotherThread_ArrivesIntact(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p, 30);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SetTimeout(Long);
        byte[] data = Wire.RandomBytes(6 * 1024 * 1024 + 123);
        Task<byte[]> reader = Task.Run(
            () =>
            {
                // Small reads, so the sender keeps meeting a full buffer.
                using var all = new MemoryStream();
                var buf = new byte[7919];
                while (all.Length < data.Length)
                {
                    int? n = p.Server.ReadInto(buf, (int)Math.Min(buf.Length, data.Length - all.Length));
                    Assert.True(n > 0, "the stream ended early");
                    all.Write(buf, 0, n.Value);
                }

                return all.ToArray();
            },
            TestContext.Current.CancellationToken);

        p.Client.SendAll(data);

        byte[] got = await reader.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(data.Length, got.Length);
        Assert.Equal(Wire.Hash(data), Wire.Hash(got));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void SendAll_TimeoutPeerNotReading_RaisesETIMEDOUT_WithinOneDeadline(int af)
    {
        // The peer takes some of the data, so the call goes round its loop many times; the timeout is for
        // the whole call, not for each chunk.
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p, 30);
        p.Client.SetTimeout(0.5);
        byte[] data = new byte[64 * 1024 * 1024];

        double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => p.Client.SendAll(data));

        Assert.InRange(ms, 400, 3000);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task SendAll_TimeoutPeerReadingSlowly_StillOneDeadline(int af)
    {
        // A reader that drains the connection every 100 ms: the sender wakes up and sends again and again,
        // so a deadline per chunk would never expire (the guard would end the test after 30 s).
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p, 30);
        p.Client.SetTimeout(0.5);
        p.Server.SetBlocking(false);
        using var stop = new CancellationTokenSource();
        long drained = 0;
        Task reader = Task.Run(
            () =>
            {
                var buf = new byte[256 * 1024];
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        while (true)
                        {
                            drained += p.Server.RecvInto(buf);
                        }
                    }
                    catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
                    {
                    }

                    Thread.Sleep(100);
                }
            },
            TestContext.Current.CancellationToken);

        try
        {
            double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => p.Client.SendAll(new byte[256 * 1024 * 1024]));
            Assert.InRange(ms, 400, 3000);
        }
        finally
        {
            await stop.CancelAsync();
            await Wire.Done(reader);
            Assert.True(drained > 0, "the reader never made room");
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void SendAll_NonBlockingFullBuffer_RaisesEAGAIN(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.SetBlocking(false);

        Loopback.Raises(Errno.EAGAIN, () => p.Client.SendAll(new byte[64 * 1024 * 1024]));

        Buffers.Fill(p.Client, p.Server);
        var e = Loopback.Raises(Errno.EAGAIN, () => p.Client.SendAll("x"));
        Assert.Equal("EAGAIN", e.ErrnoName);
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void SendAll_Overloads_SendTheSameBytes(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SetTimeout(Long);

        p.Client.SendAll("héllo");
        p.Client.SendAll(new byte[] { 1, 2 });
        p.Client.SendAll("xyz"u8);

        Wire.Equal([.. Encoding.UTF8.GetBytes("héllo"), 1, 2, .. "xyz"u8], p.Server.Read(11));
    }

    [Fact]
    public void SendAll_Null_ThrowsArgumentNull()
    {
        using Pair p = Loopback.Connected();
        Assert.Throws<ArgumentNullException>(() => p.Client.SendAll((byte[])null!));
        Assert.Throws<ArgumentNullException>(() => p.Client.SendAll((string)null!));
        Assert.Throws<ArgumentNullException>(() => p.Client.Send((byte[])null!));
        Assert.Throws<ArgumentNullException>(() => p.Client.Send((string)null!));
    }

    [Theory]
    [MemberData(nameof(ProfilesAndModes))]
    public void SendAndSendAll_EmptyData_FollowTheProfile(UsocketProfile profile, Mode mode)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);

        if (profile == UsocketProfile.QuecPython)
        {
            // The firmware's send loop sends nothing and gives up: 110, or 11 when non-blocking.
            int errno = mode == Mode.NonBlocking ? Errno.EAGAIN : Errno.ETIMEDOUT;
            Loopback.Raises(errno, () => p.Client.Send(ReadOnlySpan<byte>.Empty));
            Loopback.Raises(errno, () => p.Client.Send(Array.Empty<byte>()));
            Loopback.Raises(errno, () => p.Client.Send(""));
            Loopback.Raises(errno, () => p.Client.SendAll(ReadOnlySpan<byte>.Empty));
            Loopback.Raises(errno, () => p.Client.SendAll(Array.Empty<byte>()));
            Loopback.Raises(errno, () => p.Client.SendAll(""));
        }
        else
        {
            Assert.Equal(0, p.Client.Send(ReadOnlySpan<byte>.Empty));
            Assert.Equal(0, p.Client.Send(Array.Empty<byte>()));
            Assert.Equal(0, p.Client.Send(""));
            p.Client.SendAll(ReadOnlySpan<byte>.Empty);
            p.Client.SendAll(Array.Empty<byte>());
            p.Client.SendAll("");
        }

        // Nothing went out, and the socket still works.
        p.Client.SendAll("!");
        p.Server.SetTimeout(Long);
        Wire.Equal("!"u8.ToArray(), p.Server.Read(1));
        p.Server.SetTimeout(0.1);
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Server.Recv(1));
    }
}
