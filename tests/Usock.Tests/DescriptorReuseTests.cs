using System.Diagnostics;
using System.Globalization;
using System.Text;
using Usock.Tests.Support;
using Xunit;
using static Usock.USelect;

namespace Usock.Tests;

/// <summary>
/// Descriptor numbers are reused at once by the kernel (lowest free number): the poller must hold what it
/// registered, not a bare number (issue 9, defect 2), and no byte may reach the wrong socket. Serial: a test running
/// beside it would take the freed number first.
/// </summary>
[Collection(Serial.Name)]
public class DescriptorReuseTests
{
    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Unregister_OfAClosedSocket_DoesNotRemoveTheSocketThatGotItsNumber(int af)
    {
        using Poller p = USelect.Poll();
        using var sender = Udp(af);
        var a = Udp(af);
        p.Register(a, POLLIN);
        int fdA = Blocked.Fd(a);
        a.Close();

        var extra = new List<USocket>();
        USocket? b = null;
        try
        {
            for (int i = 0; i < 64 && b is null; i++)
            {
                var s = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
                if (Blocked.Fd(s) == fdA)
                {
                    b = s;
                }
                else
                {
                    extra.Add(s);
                }
            }

            Assert.True(b is not null, $"no new socket got descriptor {fdA} back");
            b.Bind((Loopback.Host(af), 0));
            p.Register(b, POLLIN);
            try
            {
                p.Unregister(a);
            }
            catch (UsocketException)
            {
                // Unregistering a closed socket may be refused; it must not touch B either way.
            }

            sender.SendTo("to B"u8, b.GetSockName());
            var ready = p.Poll(5000, TestContext.Current.CancellationToken);
            Assert.Equal([(b, POLLIN)], ready);
            Assert.Equal("to B"u8.ToArray(), b.RecvFrom(100).Bytes);
        }
        finally
        {
            b?.Close();
            extra.ForEach(s => s.Close());
        }
    }

    // One thread closes and reopens registered sockets (register the new one, then unregister the old one, the
    // order that lets a number-keyed poller drop the new socket) while another opens and closes sockets and files.
    // Every datagram, tagged with its addressee's slot and generation, must be reported ready on that socket only
    // and read from it.
    [Fact]
    public void CloseAndReopen_WhileAnotherThreadChurnsDescriptors_NoLostOrMisreportedSocket_NoMisdeliveredByte()
    {
        const int Slots = 4;
        using Poller p = USelect.Poll();
        using var sender = Udp(USocket.AF_INET);
        var slots = new USocket[Slots];
        for (int i = 0; i < Slots; i++)
        {
            slots[i] = Udp(USocket.AF_INET);
            p.Register(slots[i], POLLIN);
        }

        string file = Path.GetTempFileName();
        using var stop = new CancellationTokenSource();
        var churn = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var s = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
                FileStream f = File.OpenRead(file);
                Thread.Yield();
                s.Close();
                f.Dispose();
            }
        })
        { IsBackground = true };
        churn.Start();

        int iterations = 0, lost = 0, misreported = 0, misdelivered = 0, delivered = 0;
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        try
        {
            for (; iterations < 2000 && sw.Elapsed.TotalSeconds < 5; iterations++)
            {
                int i = iterations % Slots;
                USocket old = slots[i];
                old.Close();
                USocket fresh = Udp(USocket.AF_INET);
                p.Register(fresh, POLLIN);
                try
                {
                    p.Unregister(old);
                }
                catch (UsocketException)
                {
                    // refusing to unregister a closed socket is fine; touching another one is not
                }

                slots[i] = fresh;
                string tag = string.Create(CultureInfo.InvariantCulture, $"{i}:{iterations}");
                sender.SendTo(Encoding.ASCII.GetBytes(tag), fresh.GetSockName());

                bool seen = false;
                var deadline = Stopwatch.StartNew();
                while (!seen && deadline.Elapsed.TotalSeconds < 2)
                {
                    foreach ((USocket s, int events) in p.Poll(200, TestContext.Current.CancellationToken))
                    {
                        if (s != fresh || events != POLLIN)
                        {
                            misreported++;
                            Note(failures, $"iteration {iterations}: reported {s} with {events}, expected only slot {i} with POLLIN");
                            continue;
                        }

                        seen = true;
                    }
                }

                if (!seen)
                {
                    lost++;
                    Note(failures, $"iteration {iterations}: slot {i}'s new socket (fd {Blocked.Fd(fresh)}) was never reported");
                    fresh.SetBlocking(false);
                }
                else
                {
                    fresh.SetTimeout(Loopback.Patience);
                }

                try
                {
                    string got = Encoding.ASCII.GetString(fresh.RecvFrom(100).Bytes);
                    if (got == tag)
                    {
                        delivered++;
                    }
                    else
                    {
                        misdelivered++;
                        Note(failures, $"iteration {iterations}: slot {i} read '{got}', expected '{tag}'");
                    }
                }
                catch (UsocketException e)
                {
                    misdelivered++;
                    Note(failures, $"iteration {iterations}: slot {i} has no datagram (errno {e.Errno})");
                }

                fresh.SetBlocking(false);
            }
        }
        finally
        {
            stop.Cancel();
            Assert.True(churn.Join(TimeSpan.FromSeconds(Loopback.Patience)));
            foreach (USocket s in slots)
            {
                s.Close();
            }

            File.Delete(file);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{iterations} iterations: {delivered} delivered, {lost} lost, {misreported} misreported, {misdelivered} misdelivered");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(iterations >= 100, $"only {iterations} iterations ran");
        Assert.Equal(iterations, delivered);
    }

    private static void Note(List<string> failures, string what)
    {
        if (failures.Count < 20)
        {
            failures.Add(what);
        }
    }

    private static USocket Udp(int af)
    {
        var u = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        u.Bind((Loopback.Host(af), 0));
        return u;
    }
}
