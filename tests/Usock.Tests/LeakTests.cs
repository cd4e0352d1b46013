using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Leaks over many cycles: 100,000 open/connect/close cycles through Usock, and 20,000 cycles of failing
/// calls, with the process's open descriptors (<c>/proc/self/fd</c>) and managed memory
/// (<see cref="GC.GetTotalMemory(bool)"/> after a full collection) measured after a warm-up and at the end.
/// </summary>
/// <remarks>
/// <para>The server closes each connection first, so TIME_WAIT stays on the listener's side and the client's
/// ephemeral ports are free again at once: 100,000 cycles never run out of ports, whatever
/// <c>tcp_tw_reuse</c> says.</para>
/// <para>Runs in the <see cref="Serial"/> collection: the counts are the process's.</para>
/// </remarks>
[Collection(Serial.Name)]
[Trait("Category", "Load")]
public class LeakTests(ITestOutputHelper output)
{
    private const long MemorySlack = 2 * 1024 * 1024;

    [Fact]
    public void HundredThousandOpenConnectCloseCycles_DescriptorsAndMemoryFlat()
    {
        Fds.SkipUnlessSupported();
        const int Cycles = 100_000;
        using USocket listener = Loopback.Listener(USocket.AF_INET, UsocketProfile.Posix, backlog: 128);
        (string Host, int Port) address = listener.GetSockName();
        listener.SetTimeout(30);
        int accepted = 0;
        int acceptErrors = 0;
        var server = new Thread(
            () =>
            {
                while (true)
                {
                    try
                    {
                        listener.Accept().Conn.Close(); // the server closes first: TIME_WAIT stays on its side
                        Interlocked.Increment(ref accepted);
                    }
                    catch (UsocketException e) when (e.Errno == Errno.EBADF)
                    {
                        return; // the test closed the listener: done
                    }
                    catch (UsocketException)
                    {
                        Interlocked.Increment(ref acceptErrors);
                    }
                }
            },
            256 * 1024)
        { IsBackground = true };
        server.Start();

        void Cycle()
        {
            using var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
            c.SetTimeout(30);
            c.Connect(address);
            byte[]? rest = c.Read(); // the server's FIN: end of stream, nothing before it
            if (rest is not { Length: 0 })
            {
                throw new InvalidOperationException("the server sent data");
            }
        }

        var result = Measure(Cycles, Cycle);
        listener.Close();
        Assert.True(server.Join(TimeSpan.FromSeconds(30)), "the accepting thread did not end");
        output.WriteLine($"{Cycles:N0} open/connect/close cycles in {result.Seconds:F1} s ({Cycles / result.Seconds:N0}/s)");
        output.WriteLine(result.Report);
        Assert.Equal(0, acceptErrors);
        Assert.Equal(Cycles + result.WarmUp, accepted);
        result.AssertFlat();
    }

    // The error paths, many times: refused connects, failed lookups, failed binds, accepts with nobody waiting
    // (non-blocking; with a timeout one cycle in ten), and connects abandoned half-way (non-blocking, closed while
    // in progress).
    [Fact]
    public void TwentyThousandFailingCycles_DescriptorsAndMemoryFlat()
    {
        Fds.SkipUnlessSupported();
        const int Cycles = 20_000;
        using var holder = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.TCP_CUSTOMIZE_PORT);
        holder.Bind(("127.0.0.1", 0));
        (string Host, int Port) closed = holder.GetSockName(); // bound, not listening: refuses
        using USocket listener = Loopback.Listener(backlog: 1024);
        (string Host, int Port) open = listener.GetSockName();
        using USocket idle = Loopback.Listener();
        int faults = 0;
        int round = 0;

        void Cycle()
        {
            using (var c = new USocket())
            {
                Expect(Errno.ECONNRESET, () => c.Connect(closed)); // the device profile's "refused"
            }

            using (var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix))
            {
                Expect(Errno.EAI_NONAME, () => c.Connect(("nohost.invalid", 80)));
            }

            using (var b = new USocket())
            {
                Expect(Errno.EADDRINUSE, () => b.Bind(open));
            }

            idle.SetBlocking(false);
            Expect(Errno.EAGAIN, () => idle.Accept());
            if (++round % 10 == 0)
            {
                idle.SetTimeout(0.0001); // a timeout waits at least a millisecond: one cycle in ten
                Expect(Errno.ETIMEDOUT, () => idle.Accept());
            }

            using (var n = new USocket())
            {
                n.SetBlocking(false);
                Expect(Errno.EINPROGRESS, () => n.Connect(open)); // then closed before the program ever accepts it
            }

            if (round % 100 == 0)
            {
                DrainAcceptQueue(listener); // the abandoned connects completed in the kernel: accept and close them
            }
        }

        void Expect(int errno, Action call)
        {
            try
            {
                call();
            }
            catch (UsocketException e) when (e.Errno == errno)
            {
                faults++;
                return;
            }

            throw new InvalidOperationException($"expected errno {errno}");
        }

        var result = Measure(Cycles, Cycle);
        output.WriteLine($"{Cycles:N0} failing cycles ({faults:N0} faults, warm-up included) in {result.Seconds:F1} s");
        output.WriteLine(result.Report);
        result.AssertFlat();
    }

    private static void DrainAcceptQueue(USocket listener)
    {
        listener.SetBlocking(false);
        try
        {
            while (true)
            {
                listener.Accept().Conn.Close();
            }
        }
        catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
        {
        }
    }

    // Runs a warm-up (1% of the cycles), then the cycles, sampling descriptors and memory ten times.
    private static Measurement Measure(int cycles, Action cycle)
    {
        int warmUp = cycles / 100;
        for (int i = 0; i < warmUp; i++)
        {
            cycle();
        }

        Fds.Settle();
        int fds0 = Fds.Count();
        long mem0 = GC.GetTotalMemory(forceFullCollection: true);
        var samples = new List<string>();
        var sw = Stopwatch.StartNew();
        for (int i = 1; i <= cycles; i++)
        {
            cycle();
            if (i % (cycles / 10) == 0)
            {
                samples.Add($"{i:N0}: {Fds.Count() - fds0:+0;-0;0} fds");
            }
        }

        sw.Stop();
        int fds1 = 0;
        Loopback.Eventually(() => (fds1 = Fds.Count()) <= fds0, 5);
        long mem1 = GC.GetTotalMemory(forceFullCollection: true);
        return new Measurement(warmUp, sw.Elapsed.TotalSeconds, fds0, fds1, mem0, mem1, string.Join(", ", samples));
    }

    private sealed record Measurement(int WarmUp, double Seconds, int Fds0, int Fds1, long Mem0, long Mem1, string Samples)
    {
        public string Report =>
            $"descriptors {Fds0} -> {Fds1}; managed memory {Mem0:N0} -> {Mem1:N0} bytes ({Mem1 - Mem0:+#,0;-#,0;0}); samples: {Samples}";

        public void AssertFlat()
        {
            Assert.True(Fds1 <= Fds0, $"{Fds1 - Fds0} descriptors leaked: {Report}");
            Assert.True(Mem1 - Mem0 < MemorySlack, $"managed memory grew by {Mem1 - Mem0:N0} bytes: {Report}");
        }
    }
}
