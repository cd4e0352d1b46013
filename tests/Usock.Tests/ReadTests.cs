using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>read([size])</c> and <c>readinto(buf[, nbytes])</c>: exact counts, short only at end of stream, null when a
/// non-blocking socket has nothing, and nothing lost when a timeout strikes part-way.
/// </summary>
public class ReadTests
{
    // Timeout mode for tests that are not about timing out: long enough never to strike.
    private const double Long = Loopback.Patience;

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ReadN_DataAvailable_ReturnsExactlyN(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SendAll(Wire.Seq(100));
        Wire.WaitAvailable(p.Client, 100);

        Wire.Equal(Wire.Seq(40), p.Client.Read(40));
        Wire.Equal(Wire.Seq(1, 40), p.Client.Read(1));
        Wire.Equal(Wire.Seq(59, 41), p.Client.Read(59));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public async Task ReadN_DataInPieces_WaitsForAllN(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        byte[] data = Wire.Seq(300);
        Task sender = SendInPieces(p.Server, data, 100, 30);

        byte[] got = mode == Mode.NonBlocking ? ReadAllNonBlocking(p.Client, data.Length) : p.Client.Read(300)!;

        Assert.Equal(data, got);
        await Wire.Done(sender);
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ReadN_EndOfStream_ReturnsShortThenEmpty(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SendAll(Wire.Seq(30));
        p.Server.Shutdown(USocket.SHUT_WR);
        Wire.WaitPeerFin(p.Client);

        Wire.Equal(Wire.Seq(30), p.Client.Read(100));
        Wire.Equal([], p.Client.Read(100));
        Wire.Equal([], p.Client.Read(100));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void StreamMethods_EndOfStream_NeverRaiseENOTCONN(UsocketProfile profile)
    {
        // The device's lwIP raises 107 on the first recv at end of stream; Usock's stream methods treat
        // end of stream as end of data in both profiles.
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SendAll("ab");
        p.Server.Shutdown(USocket.SHUT_WR);

        Wire.Equal("ab"u8.ToArray(), p.Client.Read(5));
        Wire.Equal([], p.Client.Read(5));
        Wire.Equal([], p.Client.Read());
        Assert.Equal(0, p.Client.ReadInto(new byte[4]));
        Wire.Equal([], p.Client.ReadLine());
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public async Task ReadAll_ReadsUntilEndOfStream(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        byte[] data = Wire.RandomBytes(200_000);
        Task sender = Task.Run(
            () =>
            {
                SendPieces(p.Server, data, 50_000, 30);
                p.Server.Shutdown(USocket.SHUT_WR);
            },
            TestContext.Current.CancellationToken);
        byte[] got;
        if (mode == Mode.NonBlocking)
        {
            // Non-blocking, read() returns what is there (null when nothing), and empty only at end of stream.
            var all = new List<byte>();
            Assert.True(Loopback.Eventually(() =>
            {
                byte[]? chunk = p.Client.Read();
                all.AddRange(chunk ?? []);
                return chunk is { Length: 0 };
            }));
            got = [.. all];
        }
        else
        {
            got = p.Client.Read()!;
        }

        Assert.Equal(data, got);
        Wire.Equal([], p.Client.Read());
        await Wire.Done(sender);
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public void ReadZero_ReturnsEmpty_EvenWithNothingThere(Mode mode)
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);

        byte[]? got = p.Client.Read(0);

        Assert.NotNull(got);
        Assert.Empty(got);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Read_NonBlockingNothingThere_ReturnsNull(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.SetBlocking(false);

        Assert.Null(p.Client.Read(10));
        Assert.Null(p.Client.Read());

        p.Server.Send("z");
        Assert.Equal("z"u8.ToArray(), Wire.Eventually(() => p.Client.Read(1)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Read_NonBlockingSomeData_ReturnsWhatIsThere(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.SetBlocking(false);
        p.Server.SendAll(Wire.Seq(5));
        Wire.WaitAvailable(p.Client, 5);

        Wire.Equal(Wire.Seq(5), p.Client.Read(10));

        p.Server.SendAll(Wire.Seq(7, 5));
        Wire.WaitAvailable(p.Client, 7);
        Wire.Equal(Wire.Seq(7, 5), p.Client.Read());
        Assert.Null(p.Client.Read());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadN_TimeoutPartWay_RaisesETIMEDOUT_AndLosesNothing(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.3);
        p.Server.SendAll("abcde");
        Wire.WaitAvailable(p.Client, 5);

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Read(10));

        p.Server.SendAll("fghij");
        Wire.Equal("abcdefghij"u8.ToArray(), p.Client.Read(10));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadAll_TimeoutPartWay_RaisesETIMEDOUT_AndLosesNothing(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.3);
        p.Server.SendAll("abc");
        Wire.WaitAvailable(p.Client, 3);

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Read());

        p.Server.SendAll("def");
        p.Server.Shutdown(USocket.SHUT_WR);
        Wire.Equal("abcdef"u8.ToArray(), p.Client.Read());
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public void ReadAll_BeyondMaxReadAllBytes_RaisesENOBUFS_AndDataStaysReadable(Mode mode)
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Client.MaxReadAllBytes = 1000;
        byte[] data = Wire.Seq(3000);
        p.Server.SendAll(data);
        p.Server.Shutdown(USocket.SHUT_WR);
        Wire.WaitPeerFin(p.Client);

        Loopback.Raises(Errno.ENOBUFS, () => p.Client.Read());

        Wire.Equal(data, p.Client.Read(3000));
        Wire.Equal([], p.Client.Read());
    }

    [Fact]
    public void ReadAll_BeyondMaxReadAllBytes_KeepsEverything_ForALargerLimit()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Client.MaxReadAllBytes = 1000;
        byte[] data = Wire.Seq(3000);
        p.Server.SendAll(data);
        p.Server.Shutdown(USocket.SHUT_WR);

        Loopback.Raises(Errno.ENOBUFS, () => p.Client.Read());

        p.Client.MaxReadAllBytes = 5000;
        Wire.Equal(data, p.Client.Read());
    }

    [Fact]
    public void ReadAll_ExactlyMaxReadAllBytes_ReturnsThem()
    {
        // The limit is the most read() collects: a stream of exactly that many bytes is not beyond it.
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Client.MaxReadAllBytes = 1000;
        byte[] data = Wire.Seq(1000);
        p.Server.SendAll(data);
        p.Server.Shutdown(USocket.SHUT_WR);

        Wire.Equal(data, p.Client.Read());
    }

    [Fact]
    public void ReadAll_MaxReadAllBytesIntMax_ReadsToEnd()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Client.MaxReadAllBytes = int.MaxValue;
        p.Server.SendAll("abc");
        p.Server.Shutdown(USocket.SHUT_WR);

        Wire.Equal("abc"u8.ToArray(), p.Client.Read());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void MaxReadAllBytes_BelowOne_Throws(int value)
    {
        using var s = new USocket();
        Assert.Throws<ArgumentOutOfRangeException>(() => s.MaxReadAllBytes = value);
        Assert.Equal(USocket.DefaultMaxReadAllBytes, s.MaxReadAllBytes);
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public async Task ReadIntoSpan_DataInPieces_FillsTheWholeSpan(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        byte[] data = Wire.Seq(1000);
        Task sender = SendInPieces(p.Server, data, 250, 30);
        var buf = new byte[1000];

        if (mode == Mode.NonBlocking)
        {
            // Non-blocking, readinto stops when no more is there: collect until the span is full.
            int filled = 0;
            Assert.True(Loopback.Eventually(() =>
            {
                filled += p.Client.ReadInto(buf.AsSpan(filled)) ?? 0;
                return filled == buf.Length;
            }));
        }
        else
        {
            Assert.Equal(1000, p.Client.ReadInto(buf.AsSpan()));
        }

        Assert.Equal(data, buf);
        await Wire.Done(sender);
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ReadIntoNBytes_FillsOnlyNBytes(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SendAll(Wire.Seq(20, 1));
        Wire.WaitAvailable(p.Client, 20);
        var buf = new byte[100];

        Assert.Equal(10, p.Client.ReadInto(buf, 10));

        Assert.Equal(Wire.Seq(10, 1), buf[..10]);
        Assert.All(buf[10..], b => Assert.Equal(0, b));
        Wire.Equal(Wire.Seq(10, 11), p.Client.Read(10));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ReadInto_EndOfStream_ShortThenZero(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SendAll(Wire.Seq(5));
        p.Server.Shutdown(USocket.SHUT_WR);
        Wire.WaitPeerFin(p.Client);
        var buf = new byte[10];

        Assert.Equal(5, p.Client.ReadInto(buf));
        Assert.Equal(Wire.Seq(5), buf[..5]);
        Assert.Equal(0, p.Client.ReadInto(buf, 10));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadInto_NonBlockingNothingThere_ReturnsNull(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.SetBlocking(false);
        var buf = new byte[10];

        Assert.Null(p.Client.ReadInto(buf));
        Assert.Null(p.Client.ReadInto(buf.AsSpan(), 4));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadInto_NonBlockingSomeData_ReturnsPartialCount(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.SetBlocking(false);
        p.Server.SendAll(Wire.Seq(3));
        Wire.WaitAvailable(p.Client, 3);
        var buf = new byte[10];

        Assert.Equal(3, p.Client.ReadInto(buf));
        Assert.Equal(Wire.Seq(3), buf[..3]);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadInto_TimeoutAfterSomeBytes_ReturnsPartialCount(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.3);
        p.Server.SendAll(Wire.Seq(4));
        Wire.WaitAvailable(p.Client, 4);
        var buf = new byte[10];

        Assert.Equal(4, p.Client.ReadInto(buf));
        Assert.Equal(Wire.Seq(4), buf[..4]);

        // Before any byte, the timeout is an error.
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.ReadInto(buf));
        p.Server.SendAll("q");
        Assert.Equal(1, p.Client.ReadInto(buf, 1));
        Assert.Equal((byte)'q', buf[0]);
    }

    [Fact]
    public void ReadInto_BadNBytes_ThrowsArgumentOutOfRange()
    {
        using Pair p = Loopback.Connected();
        p.Client.SetTimeout(0.2);
        var buf = new byte[8];

        Assert.Throws<ArgumentOutOfRangeException>(() => p.Client.ReadInto(buf, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Client.ReadInto(buf, -2));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Client.ReadInto(buf.AsSpan(), int.MinValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Client.ReadInto(Span<byte>.Empty, 1));
    }

    [Fact]
    public void ReadInto_NullArray_ThrowsArgumentNull()
    {
        using Pair p = Loopback.Connected();
        Assert.Throws<ArgumentNullException>(() => p.Client.ReadInto(null!));
        Assert.Throws<ArgumentNullException>(() => p.Client.ReadInto(null!, 1));
    }

    [Fact]
    public void ReadInto_ZeroBytes_ReturnsZeroWithoutWaiting()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        Assert.Equal(0, p.Client.ReadInto(new byte[4], 0));
        Assert.Equal(0, p.Client.ReadInto(Span<byte>.Empty));
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public void ReadInto_WarmSocketWithDataThere_AllocatesNothing(Mode mode)
    {
        const int Calls = 200;
        const int Chunk = 64;
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SendAll(Wire.Seq((Calls + 10) * Chunk));
        Wire.WaitAvailable(p.Client, (Calls + 10) * Chunk);
        Span<byte> buf = stackalloc byte[Chunk];
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(Chunk, p.Client.ReadInto(buf));
        }

        long total = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            total += p.Client.ReadInto(buf) ?? 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Calls * Chunk, total);
        Assert.Equal(0, allocated);
    }

    internal static Task SendInPieces(USocket s, byte[] data, int piece, int pauseMs) =>
        Task.Run(() => SendPieces(s, data, piece, pauseMs), TestContext.Current.CancellationToken);

    internal static void SendPieces(USocket s, byte[] data, int piece, int pauseMs)
    {
        for (int at = 0; at < data.Length; at += piece)
        {
            if (at > 0)
            {
                Thread.Sleep(pauseMs);
            }

            s.SendAll(data.AsSpan(at, Math.Min(piece, data.Length - at)));
        }
    }

    private static byte[] ReadAllNonBlocking(USocket s, int count)
    {
        var all = new List<byte>();
        Assert.True(Loopback.Eventually(() =>
        {
            byte[]? got = s.Read(count - all.Count);
            if (got is not null)
            {
                Assert.True(got.Length > 0, "non-blocking read() returned empty before end of stream");
                all.AddRange(got);
            }

            return all.Count == count;
        }));
        return [.. all];
    }
}
