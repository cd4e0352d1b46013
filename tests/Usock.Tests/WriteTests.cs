using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>write(buf)</c>: no short writes when blocking, a count or null (never EAGAIN) when not.</summary>
public class WriteTests
{
    private const double Long = Loopback.Patience;

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task Write_BlockingLargeBuffer_ReturnsFullLength(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p, 30);
        p.Server.SetTimeout(Long);
        byte[] data = Wire.RandomBytes(4 * 1024 * 1024);
        Task<byte[]> reader = Task.Run(() => Wire.ReadExactly(p.Server, data.Length), TestContext.Current.CancellationToken);

        Assert.Equal(data.Length, p.Client.Write(data));

        Assert.Equal(Wire.Hash(data), Wire.Hash(await reader.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void Write_SmallBuffer_ReturnsItsLength_InEveryMode(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SetTimeout(Long);

        Assert.Equal(5, p.Client.Write("hello"u8));
        Assert.Equal(3, p.Client.Write([1, 2, 3]));
        Assert.Equal(5, p.Client.Write("üabc")); // counted in UTF-8 bytes: "ü" is two

        Wire.Equal([.. "hello"u8, 1, 2, 3, 0xC3, 0xBC, (byte)'a', (byte)'b', (byte)'c'], p.Server.Read(13));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Write_NonBlockingFullPeer_ReturnsNullOrPartial_NeverThrows(int af)
    {
        using Pair p = Loopback.Connected(af);
        Buffers.Fill(p.Client, p.Server);
        p.Client.SetBlocking(false);
        var chunk = new byte[256 * 1024];

        for (int i = 0; i < 5; i++)
        {
            int? n = p.Client.Write(chunk);
            Assert.True(n is null || (n > 0 && n < chunk.Length), $"write returned {n}");
        }

        Assert.Null(p.Client.Write(chunk));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Write_NonBlockingLargerThanRoom_ReturnsPartialCount_ThatArrivesIntact(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetBlocking(false);
        byte[] data = Wire.RandomBytes(64 * 1024 * 1024);

        int? n = p.Client.Write(data);

        Assert.NotNull(n);
        Assert.InRange(n.Value, 1, data.Length - 1);
        p.Server.SetTimeout(Long);
        Assert.Equal(Wire.Hash(data.AsSpan(0, n.Value)), Wire.Hash(Wire.ReadExactly(p.Server, n.Value)));
        p.Server.SetTimeout(0.2);
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Server.Recv(1));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Write_TimeoutPeerNotReading_ReturnsWhatWentOut(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.3);
        byte[] data = Wire.RandomBytes(64 * 1024 * 1024);

        var sw = Stopwatch.StartNew();
        int? n = p.Client.Write(data);
        double ms = sw.Elapsed.TotalMilliseconds;

        Assert.NotNull(n);
        Assert.InRange(n.Value, 1, data.Length - 1);
        Assert.InRange(ms, 0.75 * 300, 10 * 300);
        p.Server.SetTimeout(Long);
        Assert.Equal(Wire.Hash(data.AsSpan(0, n.Value)), Wire.Hash(Wire.ReadExactly(p.Server, n.Value)));
        p.Server.SetTimeout(0.2);
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Server.Recv(1));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Write_TimeoutNoRoomAtAll_RaisesETIMEDOUT(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Buffers.Fill(p.Client, p.Server);
        p.Client.SetTimeout(0.2);

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Write(new byte[256 * 1024]));
    }

    [Fact]
    public void Write_Null_ThrowsArgumentNull()
    {
        using Pair p = Loopback.Connected();
        Assert.Throws<ArgumentNullException>(() => p.Client.Write((byte[])null!));
        Assert.Throws<ArgumentNullException>(() => p.Client.Write((string)null!));
    }
}
