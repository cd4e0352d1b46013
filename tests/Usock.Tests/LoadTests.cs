using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Load: 1,000 concurrent clients, each making 1,000 request/response round trips against one Usock echo
/// server on loopback, every byte of every response checked against its request. A thread per connection on
/// both sides (2,000 threads on a 2-core machine): the blocking API under contention, not a benchmark.
/// </summary>
/// <remarks>Runs in the <see cref="Serial"/> collection (it fills both cores) and carries
/// <c>Category=Load</c> so a CI can run it separately.</remarks>
[Collection(Serial.Name)]
[Trait("Category", "Load")]
public class LoadTests(ITestOutputHelper output)
{
    private const int Clients = 1000;
    private const int Messages = 1000;
    private const int MaxMessage = 512;
    private const double SocketTimeout = 60;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [Fact]
    public void ThousandClients_ThousandRoundTripsEach_EveryByteBack_NoErrors()
    {
        using USocket listener = Loopback.Listener(USocket.AF_INET, UsocketProfile.Posix, backlog: Clients);
        (string Host, int Port) address = listener.GetSockName();
        listener.SetTimeout(SocketTimeout);
        var sockets = new List<USocket> { listener };
        var errors = new List<string>();
        long bytesSent = 0, bytesBack = 0, bytesEchoed = 0, roundTrips = 0, mismatches = 0;
        int fdsBefore = Fds.Supported ? Fds.Count() : 0;

        void Fail(string what)
        {
            lock (errors)
            {
                errors.Add(what);
            }
        }

        void Track(USocket s)
        {
            lock (sockets)
            {
                sockets.Add(s);
            }
        }

        // The server: one accepting thread, one echo thread per connection.
        var serverThreads = new List<Thread>();
        var acceptor = new Thread(
            () =>
            {
                for (int i = 0; i < Clients; i++)
                {
                    USocket conn;
                    try
                    {
                        conn = listener.Accept().Conn;
                    }
                    catch (UsocketException e)
                    {
                        Fail($"accept {i}: {e.Message}");
                        return;
                    }

                    Track(conn);
                    var echo = new Thread(() => Echo(conn), 256 * 1024) { IsBackground = true };
                    lock (serverThreads)
                    {
                        serverThreads.Add(echo);
                    }

                    echo.Start();
                }
            },
            256 * 1024)
        { IsBackground = true };

        void Echo(USocket conn)
        {
            var buffer = new byte[4096];
            try
            {
                conn.SetTimeout(SocketTimeout);
                while (true)
                {
                    int n = conn.RecvInto(buffer);
                    if (n == 0)
                    {
                        break; // the client is done (POSIX profile: end of stream reads as 0)
                    }

                    conn.SendAll(buffer.AsSpan(0, n));
                    Interlocked.Add(ref bytesEchoed, n);
                }
            }
            catch (UsocketException e)
            {
                Fail($"server: {e.Message}");
            }
            finally
            {
                conn.Close();
            }
        }

        void Client(int id)
        {
            var request = new byte[MaxMessage];
            var response = new byte[MaxMessage];
            try
            {
                using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
                Track(s);
                s.SetTimeout(SocketTimeout);
                s.Connect(address);
                for (int m = 0; m < Messages; m++)
                {
                    int length = 1 + (int)(((uint)id * 7919u + (uint)m * 104729u) % MaxMessage);
                    for (int k = 0; k < length; k++)
                    {
                        request[k] = (byte)((id * 31) + (m * 7) + k);
                    }

                    s.SendAll(request.AsSpan(0, length));
                    int? got = s.ReadInto(response, length);
                    if (got != length || !response.AsSpan(0, length).SequenceEqual(request.AsSpan(0, length)))
                    {
                        Interlocked.Increment(ref mismatches);
                        Fail($"client {id} message {m}: {got} of {length} bytes, content {(got == length ? "differs" : "short")}");
                        return;
                    }

                    Interlocked.Add(ref bytesSent, length);
                    Interlocked.Add(ref bytesBack, length);
                    Interlocked.Increment(ref roundTrips);
                }

                s.Shutdown(USocket.SHUT_WR);
                if (s.Recv(1).Length != 0)
                {
                    Fail($"client {id}: data after the last response");
                }
            }
            catch (UsocketException e)
            {
                Fail($"client {id}: {e.Message}");
            }
        }

        var sw = Stopwatch.StartNew();
        acceptor.Start();
        var clients = Enumerable.Range(0, Clients).Select(id => new Thread(() => Client(id), 256 * 1024) { IsBackground = true }).ToList();
        clients.ForEach(t => t.Start());

        bool finished = clients.All(t => t.Join(Remaining(sw))) && acceptor.Join(Remaining(sw));
        Thread[] echoes;
        lock (serverThreads)
        {
            echoes = [.. serverThreads];
        }

        finished = finished && echoes.All(t => t.Join(Remaining(sw)));
        sw.Stop();
        if (!finished)
        {
            lock (sockets)
            {
                sockets.ForEach(s => s.Close()); // wake everything up; the test fails below
            }
        }

        long expectedBytes = 0;
        for (int id = 0; id < Clients; id++)
        {
            for (int m = 0; m < Messages; m++)
            {
                expectedBytes += 1 + (int)(((uint)id * 7919u + (uint)m * 104729u) % MaxMessage);
            }
        }

        output.WriteLine(
            $"{Clients} clients x {Messages} messages: {roundTrips:N0} round trips, {bytesSent:N0} bytes each way, " +
            $"{sw.Elapsed.TotalSeconds:F1} s ({roundTrips / sw.Elapsed.TotalSeconds:N0} round trips/s), {errors.Count} errors, {mismatches} mismatches");
        Assert.True(finished, $"not finished within {Limit.TotalMinutes} minutes: {roundTrips:N0} round trips done");
        Assert.Empty(errors);
        Assert.Equal((long)Clients * Messages, roundTrips);
        Assert.Equal(expectedBytes, bytesSent);
        Assert.Equal(expectedBytes, bytesBack);
        Assert.Equal(expectedBytes, Interlocked.Read(ref bytesEchoed));
        listener.Close();
        if (Fds.Supported)
        {
            Assert.True(Loopback.Eventually(() => Fds.Count() <= fdsBefore), $"{Fds.Count() - fdsBefore} descriptors still open after the load");
        }
    }

    private static TimeSpan Remaining(Stopwatch sw)
    {
        TimeSpan left = Limit - sw.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
