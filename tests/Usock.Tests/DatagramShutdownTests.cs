using System.Diagnostics;
using System.Globalization;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// A datagram socket's receive after its own SHUT_RD (issue 9, defect 6): it returns at once with an empty datagram
/// and sender ("", 0), as Linux's blocking recvfrom does, and never spins (the thread's CPU time is measured, so a
/// fix that spins for a while and then returns cannot pass).
/// </summary>
public class DatagramShutdownTests
{
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void RecvFrom_AfterOwnShutRd_OnceTimedThenBlocking_ReturnsEmptyAtOnce_WithoutSpinning(int af)
    {
        using var peer = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        peer.Bind((Loopback.Host(af), 0));
        using var u = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        u.Bind((Loopback.Host(af), 0));
        u.Connect(peer.GetSockName()); // a connected datagram socket: shutdown applies without ENOTCONN
        u.SetTimeout(1.0);
        u.SetTimeout(null);
        try
        {
            u.Shutdown(USocket.SHUT_RD);
        }
        catch (UsocketException e) when (e.Errno == Errno.ENOTCONN)
        {
            // Linux applies SHUT_RD to an unconnected datagram socket and still answers ENOTCONN (as CPython shows).
        }

        double cpuMs = 0;
        TimeSpan processCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var call = BlockedCall.Start("RecvFrom", () =>
        {
            double before = ThreadCpuMs();
            try
            {
                return u.RecvFrom(10);
            }
            finally
            {
                cpuMs = ThreadCpuMs() - before;
            }
        });
        bool returned = ((IAsyncResult)call.Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(2));
        double wallMs = sw.Elapsed.TotalMilliseconds;
        double processMs = (Process.GetCurrentProcess().TotalProcessorTime - processCpu).TotalMilliseconds;
        if (!returned)
        {
            u.Close(); // stop the spinning or waiting call, then fail
            ((IAsyncResult)call.Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(Loopback.Patience));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"RecvFrom after SHUT_RD: returned={returned}, {wallMs:F1} ms wall, {cpuMs:F0} ms CPU of its thread, {processMs:F0} ms CPU of the process (other tests included)");
        Assert.True(returned, $"RecvFrom after SHUT_RD did not return within 2 s ({cpuMs:F0} ms CPU burnt by its thread)");
        Assert.True(cpuMs < 500, $"RecvFrom after SHUT_RD burnt {cpuMs:F0} ms of CPU");
        var (bytes, address) = ((byte[] Bytes, (string Host, int Port) Address))call.Result()!;
        Assert.Empty(bytes);
        Assert.Equal(("", 0), address);
    }

    /// <summary>User + system CPU time of the calling thread, from /proc/thread-self/stat (clock ticks of 10 ms).</summary>
    private static double ThreadCpuMs()
    {
        if (!File.Exists("/proc/thread-self/stat"))
        {
            return 0;
        }

        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ": field 3 is f[0]; utime is field 14, stime field 15.
        long ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
        return ticks * 10.0;
    }
}
