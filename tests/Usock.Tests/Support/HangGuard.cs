using System.Diagnostics;
using System.Security.Cryptography;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// Closes sockets when a test outlives its patience, so a call that wrongly blocks forever ends with
/// errno 9 (and the test fails) instead of hanging the run.
/// </summary>
public sealed class HangGuard : IDisposable
{
    private readonly Timer _timer;

    public HangGuard(double seconds, params USocket[] sockets)
    {
        _timer = new Timer(
            _ =>
            {
                foreach (USocket s in sockets)
                {
                    s.Close();
                }
            },
            null,
            TimeSpan.FromSeconds(seconds),
            System.Threading.Timeout.InfiniteTimeSpan);
    }

    public static HangGuard For(Pair p, double seconds = Loopback.Patience) => new(seconds, p.Client, p.Server);

    public void Dispose() => _timer.Dispose();
}

/// <summary>Small helpers shared by the stream, transfer and option tests.</summary>
public static class Wire
{
    /// <summary>Bytes <c>start, start+1, ...</c> (mod 251, so runs do not line up with powers of two).</summary>
    public static byte[] Seq(int count, int start = 0)
    {
        var b = new byte[count];
        for (int i = 0; i < count; i++)
        {
            b[i] = (byte)((start + i) % 251);
        }

        return b;
    }

    public static byte[] RandomBytes(int count)
    {
        var b = new byte[count];
        Random.Shared.NextBytes(b);
        return b;
    }

    /// <summary>Asserts that a stream call returned exactly <paramref name="expected"/> (null fails).</summary>
    public static void Equal(byte[] expected, byte[]? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected, actual);
    }

    /// <summary>Waits for a helper task without blocking the test's thread forever.</summary>
    public static Task Done(Task task) =>
        task.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), TestContext.Current.CancellationToken);

    public static string Hash(ReadOnlySpan<byte> data) => Convert.ToHexString(SHA256.HashData(data));

    /// <summary>Waits until the kernel holds at least <paramref name="count"/> unread bytes for <paramref name="s"/>.</summary>
    public static void WaitAvailable(USocket s, int count) =>
        Assert.True(Loopback.Eventually(() => s.RawSocket!.Available >= count), $"{count} bytes never arrived");

    /// <summary>Waits until <paramref name="s"/> has seen the peer's FIN (CLOSE_WAIT), so all data before it is there too.</summary>
    public static void WaitPeerFin(USocket s) =>
        Assert.True(Loopback.Eventually(() => s.GetSocketSta() == (int)TcpState.CloseWait), "the peer's FIN never arrived");

    /// <summary>Repeats a stream call that may return null (non-blocking, nothing yet) until it returns something.</summary>
    public static T Eventually<T>(Func<T?> call)
        where T : class
    {
        T? result = null;
        Assert.True(Loopback.Eventually(() => (result = call()) is not null), "no result within the patience");
        return result!;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (the socket must block or have a timeout).</summary>
    public static byte[] ReadExactly(USocket s, int count)
    {
        byte[]? got = s.Read(count);
        Assert.NotNull(got);
        Assert.Equal(count, got.Length);
        return got;
    }

    /// <summary>Milliseconds a call took; the call is expected to throw a <see cref="UsocketException"/> with <paramref name="errno"/>.</summary>
    public static double TimeRaise(int errno, Action action)
    {
        var sw = Stopwatch.StartNew();
        Loopback.Raises(errno, action);
        return sw.Elapsed.TotalMilliseconds;
    }
}
