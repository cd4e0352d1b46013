using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The async stream methods on a datagram socket are truly async: they hand back their task at once and complete when
/// a datagram comes (they used to run the synchronous call, blocking the caller up to the whole timeout).
/// </summary>
public class DatagramAsyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task ReadIntoAsync_And_ReadLineAsync_OnUdp_ReturnAtOnce_ThenCompleteWithTheDatagram(int af)
    {
        using var u = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        using var peer = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        using var guard = new HangGuard(Loopback.Patience, u, peer);
        u.Bind((Loopback.Host(af), 0));
        u.SetTimeout(5);
        var buffer = new byte[100];

        long t0 = Stopwatch.GetTimestamp();
        Task<int?> into = u.ReadIntoAsync(buffer, 5, Ct).AsTask();
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        Assert.False(into.IsCompleted, $"ReadIntoAsync ended with no datagram: {into.Exception?.InnerException}");
        Assert.True(ms < 2500, $"ReadIntoAsync held the caller {ms:F0} ms (the timeout is 5 s)");
        peer.SendTo("hello"u8, u.GetSockName());
        Assert.Equal(5, await into.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);

        t0 = Stopwatch.GetTimestamp();
        Task<byte[]?> line = u.ReadLineAsync(Ct).AsTask();
        ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        Assert.False(line.IsCompleted, $"ReadLineAsync ended with no datagram: {line.Exception?.InnerException}");
        Assert.True(ms < 2500, $"ReadLineAsync held the caller {ms:F0} ms (the timeout is 5 s)");
        peer.SendTo("a line\nand more"u8, u.GetSockName());
        Assert.Equal("a line\n"u8.ToArray(), await line.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));
        Assert.Equal("and more"u8.ToArray(), u.Read(8)); // the rest of the datagram stayed buffered
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task ReadIntoAsync_OnUdp_ADatagramLongerThanTheRoom_IsNotCutShort(int af)
    {
        using var u = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        using var peer = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        using var guard = new HangGuard(Loopback.Patience, u, peer);
        u.Bind((Loopback.Host(af), 0));
        u.SetTimeout(Loopback.Patience);
        byte[] datagram = Wire.Seq(3000);
        var small = new byte[1000];

        Task<int?> into = u.ReadIntoAsync(small, -1, Ct).AsTask();
        peer.SendTo(datagram, u.GetSockName());
        Assert.Equal(1000, await into.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct));
        Assert.Equal(datagram[..1000], small);
        Assert.Equal(datagram[1000..], u.Read(2000));
    }
}
