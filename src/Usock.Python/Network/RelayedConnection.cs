using System.Diagnostics;
using System.Net.Sockets;
using Usock.Chaos;

namespace Usock.Python.Network;

/// <summary>
/// One TCP connection of the program, relayed in-process between the program's socket (connected to a loopback
/// listener) and the peer, with a thread per direction that asks the <see cref="DeviceNetwork"/> what happens to each
/// chunk: held by a stall, delayed by latency, jitter, loss (a retransmission) and bandwidth, reset after some bytes,
/// gone with the data call (a new IP address: nothing passes any more, nothing is answered) or with a NAT idle drop
/// (the program's next send meets silence or a reset; a connection whose socket has a keepalive that probes before the
/// NAT forgets it is never idle, <see cref="DeviceNetwork.KeepaliveKeepsNatOpen"/>). Once gone, the program's side is no longer read, so its sends
/// stall and then time out, as on a device whose peer has vanished.
/// </summary>
internal sealed class RelayedConnection(DeviceNetwork net, long id, USocket owner, Socket program, Socket peer, string peerName, long epoch)
{
    private const int Open = 0;
    private const int Gone = 1;
    private const int Closed = 2;

    // Linux's tcpi_state values (TCP_INFO) that mean the program's side has closed: CLOSE_WAIT, CLOSE, LAST_ACK.
    private static readonly byte[] ClosedStates = [7, 8, 9];

    private readonly long[] _read = new long[2]; // [0] up (from the program), [1] down
    private readonly long[] _delivered = new long[2];
    private readonly long _opened = Stopwatch.GetTimestamp();
    private long _lastActivity = net.Now.Ticks;
    private long _lostCounted;
    private int _state;
    private int _pumpsEnded;
    private readonly TaskCompletionSource _upEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts the two pumps.</summary>
    public void Start()
    {
        program.NoDelay = true;
        new Thread(() => Pump(true), 256 * 1024) { IsBackground = true, Name = $"usock network {id} up" }.Start();
        new Thread(() => Pump(false), 256 * 1024) { IsBackground = true, Name = $"usock network {id} down" }.Start();
    }

    /// <summary>At the end of the run: what the program sent that is still queued (here, or in its own socket, whose
    /// kernel pushes the rest as this side reads) never reached the peer.</summary>
    public void Finish()
    {
        // A program that closed its socket as it ended: its FIN is on its way; let the pump log the close first.
        _upEnded.Task.Wait(TimeSpan.FromMilliseconds(200));
        if (Volatile.Read(ref _state) == Gone)
        {
            try
            {
                byte[] buf = new byte[64 * 1024];
                while (program.Poll(50_000, SelectMode.SelectRead))
                {
                    int n = program.Receive(buf);
                    if (n == 0)
                    {
                        break;
                    }

                    Interlocked.Add(ref _read[0], n);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // the program's side is gone: nothing more to count
            }
        }

        CountLost();
    }

    private void Pump(bool up)
    {
        Socket src = up ? program : peer;
        Socket dst = up ? peer : program;
        int d = up ? 0 : 1;
        byte[] buf = new byte[16 * 1024];
        long chunk = 0;
        long paceStart = Stopwatch.GetTimestamp();
        long paced = 0;
        try
        {
            while (true)
            {
                if (!Hold())
                {
                    break;
                }

                int n = src.Receive(buf);
                if (n == 0 && up && net.Epoch != epoch)
                {
                    GoneWith("vanished", "the data call dropped"); // the program's FIN went nowhere either
                    break;
                }

                if (n == 0)
                {
                    if (up && Volatile.Read(ref _state) == Open)
                    {
                        net.Timeline.Write(net.Now, "socket", "close", conn: id, peer: peerName, bytes: _read[0]);
                    }

                    dst.Shutdown(SocketShutdown.Send);
                    break;
                }

                Interlocked.Add(ref _read[d], n);
                if (NatExpired(up) || !Hold())
                {
                    break;
                }

                TimeSpan delay = Delay(up, chunk++);
                if (net.Active(FaultKind.Bandwidth, up) is { } bw)
                {
                    if (Stopwatch.GetElapsedTime(paceStart) > TimeSpan.FromSeconds((double)paced / bw.BytesPerSecond))
                    {
                        (paceStart, paced) = (Stopwatch.GetTimestamp(), 0); // the link was idle: no credit saved up
                    }

                    paced += n;
                    delay = TimeSpan.FromTicks(Math.Max(delay.Ticks, TimeSpan.FromSeconds((double)paced / bw.BytesPerSecond).Ticks - Stopwatch.GetElapsedTime(paceStart).Ticks));
                }

                if (delay > TimeSpan.Zero)
                {
                    Thread.Sleep(delay);
                }

                if (!Hold())
                {
                    break;
                }

                dst.Send(buf, 0, n, SocketFlags.None);
                Interlocked.Add(ref _delivered[d], n);
                Interlocked.Exchange(ref _lastActivity, net.Now.Ticks);
                if (net.Active(FaultKind.ResetPeer, up) is { } reset && (reset.Bytes > 0 ? Interlocked.Read(ref _delivered[d]) >= reset.Bytes : Stopwatch.GetElapsedTime(_opened) >= reset.Duration))
                {
                    ResetBoth(reset.KindName);
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (up && Volatile.Read(ref _state) == Open && e is SocketException se)
            {
                net.Timeline.Write(net.Now, "socket", "close", conn: id, peer: peerName, bytes: _read[0], detail: se.SocketErrorCode.ToString());
            }
        }

        if (up)
        {
            _upEnded.TrySetResult();
        }

        if (Volatile.Read(ref _state) == Gone)
        {
            Linger(up);
        }
        else if (Interlocked.Increment(ref _pumpsEnded) == 2)
        {
            Interlocked.CompareExchange(ref _state, Closed, Open);
            program.Dispose();
            peer.Dispose();
        }
    }

    // Waits while a stall holds; false once the connection is gone (the data call dropped since it was made).
    private bool Hold()
    {
        while (true)
        {
            if (Volatile.Read(ref _state) != Open)
            {
                return false;
            }

            if (net.Epoch != epoch)
            {
                GoneWith("vanished", "the data call dropped");
                return false;
            }

            if (!net.Stalled)
            {
                return true;
            }

            Thread.Sleep(10);
        }
    }

    // A NAT idle drop, seen by the first chunk after the idle time: silence, or for the program's send, a reset.
    private bool NatExpired(bool up)
    {
        if (net.Active(FaultKind.NatIdle) is not { } nat || net.KeepsNatOpen(owner, nat.Duration))
        {
            return false;
        }

        var idle = net.Now - TimeSpan.FromTicks(Interlocked.Read(ref _lastActivity));
        if (idle < nat.Duration)
        {
            return false;
        }

        GoneWith("nat_drop", $"idle {idle.TotalSeconds:0.###} s");
        if (up && net.NatAnswersReset)
        {
            CountLost();
            net.Timeline.Write(net.Now, "socket", "reset", conn: id, peer: peerName, errno: Errno.ECONNRESET, detail: "the carrier answered the send after the NAT drop");
            Abort(program);
        }

        return true;
    }

    private TimeSpan Delay(bool up, long chunk)
    {
        TimeSpan delay = TimeSpan.Zero;
        if (net.Active(FaultKind.Latency, up) is { } lat)
        {
            double j = lat.Jitter.Ticks * ((2 * net.Draw(id, up ? 1 : 2, chunk)) - 1);
            delay = TimeSpan.FromTicks(lat.Duration.Ticks + (long)j);
        }

        if (net.Active(FaultKind.Loss, up) is { } loss && net.Draw(id, up ? 3 : 4, chunk) < loss.Toxicity)
        {
            // A lost segment comes through on TCP's retransmission: at least 200 ms (Linux's minimum RTO) later.
            delay += TimeSpan.FromMilliseconds(Math.Max(200, 2 * delay.TotalMilliseconds));
        }

        return delay;
    }

    private void GoneWith(string evt, string why)
    {
        if (Interlocked.CompareExchange(ref _state, Gone, Open) == Open)
        {
            net.Timeline.Write(net.Now, "socket", evt, conn: id, peer: peerName, detail: why);
        }
    }

    private void ResetBoth(string fault)
    {
        if (Interlocked.CompareExchange(ref _state, Closed, Open) == Open)
        {
            net.Timeline.Write(net.Now, "socket", "reset", conn: id, peer: peerName, errno: Errno.ECONNRESET, detail: fault);
            Abort(program);
            Abort(peer);
            CountLost();
        }
    }

    // A gone connection: the peer's data is read and dropped until the peer closes (it is never told); the program's
    // is no longer read (its sends stall) until it closes its socket.
    private void Linger(bool up)
    {
        byte[] buf = new byte[4096];
        try
        {
            if (!up)
            {
                while (peer.Receive(buf) > 0)
                {
                }

                peer.Dispose();
                return;
            }

            while (!ProgramClosed())
            {
                Thread.Sleep(100);
            }

            Finish();
            program.Dispose(); // the peer's side stays open: the peer finds out by itself, as from a real network
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // either side has gone: nothing more to relay
        }
    }

    private void CountLost()
    {
        long lost = Interlocked.Read(ref _read[0]) - Interlocked.Read(ref _delivered[0]);
        long before = Interlocked.Exchange(ref _lostCounted, lost);
        if (lost > before)
        {
            net.Timeline.Write(net.Now, "socket", "lost", conn: id, peer: peerName, bytes: lost - before);
        }
    }

    private bool ProgramClosed()
    {
        try
        {
            Span<byte> info = stackalloc byte[8];
            int n = program.GetRawSocketOption(6, 11, info); // TCP_INFO: the first byte is tcpi_state
            return n > 0 && Array.IndexOf(ClosedStates, info[0]) >= 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return true;
        }
    }

    private static void Abort(Socket s)
    {
        try
        {
            s.LingerState = new LingerOption(true, 0);
            s.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed
        }
    }
}
