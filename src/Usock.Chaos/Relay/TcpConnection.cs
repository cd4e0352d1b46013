using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Usock.Chaos.Recording;

namespace Usock.Chaos.Relay;

/// <summary>
/// One proxied TCP connection: the program's socket (<see cref="_client"/>), the upstream socket, and a pump per
/// direction that reads, applies the faults in force and writes. Connection-wide faults (down, outage, NAT idle,
/// timeout, reset after a time) are applied by <see cref="Evaluate"/> from the proxy's tick; the per-chunk faults by
/// <see cref="Forward"/> (TcpConnection.Faults.cs).
/// </summary>
internal sealed partial class TcpConnection(ChaosProxy proxy, long id, Socket client)
{
    private const int Open = 0;
    private const int Dropped = 1;
    private const int Closed = 2;

    // Linux's tcpi_state values (TCP_INFO) that mean the program's side has gone: CLOSE_WAIT, CLOSE, LAST_ACK.
    private static readonly byte[] GoneStates = [7, 8, 9];

    private readonly Socket _client = client;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long[] _forwarded = new long[2]; // [0] up, [1] down
    private readonly int[] _chunks = new int[2];
    private readonly long[] _paceStart = new long[2];
    private readonly long[] _paceBytes = new long[2];
    private readonly Dictionary<int, TimeSpan> _firstSeen = [];
    private readonly bool[] _eof = new bool[2];
    private Socket? _upstream;
    private PcapRecorder.Flow? _clientFlow;
    private PcapRecorder.Flow? _upstreamFlow;
    private int _state;
    private long _lastActivityTicks;
    private volatile bool _stalled;
    private TimeSpan _stallCloseAt = TimeSpan.MaxValue;

    public long Id { get; } = id;

    private TimeSpan Now => proxy.Elapsed;

    private Timeline? Log => proxy.Timeline;

    /// <summary>Connects to the upstream and relays until both directions end, or a fault ends the connection.</summary>
    public void Run()
    {
        TimeSpan opened = Now;
        Interlocked.Exchange(ref _lastActivityTicks, opened.Ticks);
        _client.NoDelay = true;
        var clientEnd = (IPEndPoint)_client.RemoteEndPoint!;
        Log?.Write(opened, Id, null, "open", null, 0, $"from {clientEnd}");
        IPAddress[]? addresses = proxy.ResolveUpstream(Id).GetAwaiter().GetResult();
        _upstream = addresses is null ? null : ConnectUpstream(addresses);
        if (_upstream is null)
        {
            Abort(_client);
            Log?.Write(Now, Id, null, "reset", null, 0, "the upstream could not be reached");
            return;
        }

        if (proxy.Pcap is { } pcap)
        {
            uint isn = (uint)(Seeded.Draw(proxy.Options.Seed, Id, -1) * uint.MaxValue);
            _clientFlow = pcap.Open(clientEnd, (IPEndPoint)_client.LocalEndPoint!, isn);
            _upstreamFlow = pcap.Open((IPEndPoint)_upstream.LocalEndPoint!, (IPEndPoint)_upstream.RemoteEndPoint!, isn ^ 0x00ff_ff00);
        }

        Log?.Write(Now, Id, null, "connected", null, 0, $"upstream {_upstream.RemoteEndPoint} from {_upstream.LocalEndPoint}");
        Evaluate(Now);
        // One thread per direction, blocking calls: a byte that arrives wakes the thread that forwards it, with no
        // hop through the thread pool (the relay's added latency is two system calls and a wake-up).
        var upstreamPump = new Thread(() => Pump(true), 256 * 1024) { IsBackground = true, Name = $"chaos {Id} up" };
        upstreamPump.Start();
        Pump(false);
        upstreamPump.Join();
        Close(null);
    }

    /// <summary>Applies the connection-wide faults at <paramref name="now"/> (called from the proxy's tick).</summary>
    public void Evaluate(TimeSpan now)
    {
        int state = Volatile.Read(ref _state);
        if (state == Closed || _upstream is null)
        {
            return;
        }

        if (state == Dropped)
        {
            // Held silently until the program gives up on it (its FIN or RST shows in the socket's TCP state).
            if (ProgramGone())
            {
                Log?.Write(now, Id, null, "released", null, 0, "the program closed its end of a dropped connection");
                Close(null, quietly: true);
            }

            return;
        }

        if (proxy.Find(FaultKind.Down, Id, now) is { } down)
        {
            Log?.Write(now, Id, null, "fault", down.Fault.KindName, 0, "reset");
            Reset();
            return;
        }

        if (proxy.Find(FaultKind.Outage, Id, now) is { } outage)
        {
            Drop(now, outage.Fault.KindName, "the data call is gone");
            return;
        }

        if (proxy.Find(FaultKind.NatIdle, Id, now) is { } nat)
        {
            TimeSpan idle = now - TimeSpan.FromTicks(Interlocked.Read(ref _lastActivityTicks));
            TimeSpan since = now - FirstSeen(nat, now);
            if (idle >= nat.Fault.Duration && since >= nat.Fault.Duration)
            {
                Drop(now, nat.Fault.KindName, $"idle {idle.TotalSeconds:0.###} s");
                return;
            }
        }

        bool stalled = false;
        foreach (FaultEntry e in proxy.Snapshot)
        {
            if (!ChaosProxy.Active(e, now) || !proxy.Applies(e, Id))
            {
                continue;
            }

            if (e.Fault.Kind == FaultKind.Timeout)
            {
                stalled = true;
                TimeSpan seen = FirstSeen(e, now);
                if (!_stalled)
                {
                    Log?.Write(now, Id, null, "fault", e.Fault.KindName, 0, "forwarding stopped");
                }

                if (e.Fault.Duration > TimeSpan.Zero)
                {
                    _stallCloseAt = seen + e.Fault.Duration;
                }
            }
            else if (e.Fault.Kind == FaultKind.ResetPeer && e.Fault.Duration > TimeSpan.Zero && e.Fault.Bytes == 0)
            {
                if (now >= FirstSeen(e, now) + e.Fault.Duration)
                {
                    Log?.Write(now, Id, null, "fault", e.Fault.KindName, 0, "reset after a time");
                    Reset();
                    return;
                }
            }
        }

        _stalled = stalled;
        if (stalled && now >= _stallCloseAt)
        {
            Log?.Write(now, Id, null, "fault", "timeout", 0, "closed after the stall");
            Close("timeout");
        }
        else if (!stalled)
        {
            _stallCloseAt = TimeSpan.MaxValue;
        }
    }

    /// <summary>Ends the connection with a FIN to both sides (or, <paramref name="quietly"/>, without a timeline entry).</summary>
    public void Close(string? fault, bool quietly = false)
    {
        if (Interlocked.Exchange(ref _state, Closed) == Closed)
        {
            return;
        }

        if (!quietly)
        {
            Log?.Write(Now, Id, null, "close", fault, _forwarded[0] + _forwarded[1], Summary());
        }

        foreach ((Socket? s, PcapRecorder.Flow? flow, bool fromA) in new[] { (_client, _clientFlow, false), (_upstream, _upstreamFlow, true) })
        {
            if (s is null)
            {
                continue;
            }

            try
            {
                s.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // already gone
            }

            s.Dispose();
            if (flow is not null)
            {
                proxy.Pcap?.Fin(flow, fromA);
            }
        }

        _ended.TrySetResult();
    }

    private TimeSpan FirstSeen(FaultEntry e, TimeSpan now)
    {
        lock (_firstSeen)
        {
            if (!_firstSeen.TryGetValue(e.Id, out TimeSpan t))
            {
                _firstSeen[e.Id] = t = now;
            }

            return t;
        }
    }

    private string Summary() => $"up {_forwarded[0]} B, down {_forwarded[1]} B";

    private bool ProgramGone()
    {
        try
        {
            Span<byte> info = stackalloc byte[8];
            int n = _client.GetRawSocketOption(6, 11, info); // TCP_INFO: first byte tcpi_state
            return n > 0 && Array.IndexOf(GoneStates, info[0]) >= 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return true;
        }
    }

    /// <summary>From now on nothing passes either way and nothing is answered; both sockets are held open.</summary>
    private void Drop(TimeSpan now, string fault, string why)
    {
        if (Interlocked.CompareExchange(ref _state, Dropped, Open) == Open)
        {
            Log?.Write(now, Id, null, "fault", fault, 0, $"dropped silently: {why}");
        }
    }

    /// <summary>Resets both sides (RST: an abortive close with SO_LINGER 0).</summary>
    private void Reset()
    {
        if (Interlocked.Exchange(ref _state, Closed) == Closed)
        {
            return;
        }

        Abort(_client);
        if (_clientFlow is not null)
        {
            proxy.Pcap?.Reset(_clientFlow, false);
        }

        if (_upstream is not null)
        {
            Abort(_upstream);
            if (_upstreamFlow is not null)
            {
                proxy.Pcap?.Reset(_upstreamFlow, true);
            }
        }

        Log?.Write(Now, Id, null, "reset", null, _forwarded[0] + _forwarded[1], Summary());
        _ended.TrySetResult();
    }

    private static void Abort(Socket s)
    {
        try
        {
            s.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already gone
        }

        s.Dispose();
    }

    private Socket? ConnectUpstream(IPAddress[] addresses)
    {
        foreach (IPAddress a in addresses)
        {
            // A blocking connect (the socket stays in blocking mode for the pumps), ended by closing it at the limit.
            var s = new Socket(a.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            bool timedOut = false;
            using (var limit = new Timer(_ => { timedOut = true; s.Dispose(); }, null, proxy.Options.ConnectTimeout, Timeout.InfiniteTimeSpan))
            {
                try
                {
                    s.Connect(new IPEndPoint(a, proxy.Options.UpstreamPort));
                    limit.Change(Timeout.Infinite, Timeout.Infinite);
                    if (!timedOut)
                    {
                        return s;
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    Log?.Write(Now, Id, null, "upstream_failed", null, 0, $"{a}: {(timedOut ? "timed out" : e is SocketException se ? se.SocketErrorCode.ToString() : "closed")}");
                }
            }

            s.Dispose();
        }

        return null;
    }

    private void Pump(bool up)
    {
        Socket from = up ? _client : _upstream!;
        Socket to = up ? _upstream! : _client;
        int dir = up ? 0 : 1;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(proxy.Options.BufferSize);
        try
        {
            while (true)
            {
                int n = from.Receive(buffer, 0, proxy.Options.BufferSize, SocketFlags.None);
                int state = Volatile.Read(ref _state);
                if (state == Closed)
                {
                    return;
                }

                if (n == 0)
                {
                    EndOfStream(up, to);
                    return;
                }

                TimeSpan now = Now;
                Interlocked.Exchange(ref _lastActivityTicks, now.Ticks);
                Record(up, true, buffer.AsSpan(0, n));
                if (state == Dropped || Volatile.Read(ref _state) == Dropped)
                {
                    Log?.Write(now, Id, up, "discarded", "nat_idle", n, "nothing passes a dropped connection");
                    _ended.Task.Wait(); // stop reading: the program's data piles up unacknowledged upstream
                    return;
                }

                if (_stalled)
                {
                    Log?.Write(now, Id, up, "discarded", "timeout", n);
                    continue;
                }

                FaultEntry[] faults = proxy.Snapshot;
                if (faults.Length == 0)
                {
                    SendAll(to, buffer.AsSpan(0, n), up);
                }
                else if (!Forward(buffer, n, up, faults, now).GetAwaiter().GetResult())
                {
                    return;
                }

                _chunks[dir]++;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.OperationAborted)
        {
            if (Volatile.Read(ref _state) == Open)
            {
                // One side reset: pass the reset on, as a router would.
                Log?.Write(Now, Id, up, "peer_reset", null, 0, up ? "the program reset its connection" : "the upstream reset its connection");
                Reset();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or AggregateException)
        {
            // closed by a fault or by Dispose
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void SendAll(Socket to, ReadOnlySpan<byte> data, bool up)
    {
        while (data.Length > 0)
        {
            int sent = to.Send(data, SocketFlags.None);
            Record(up, false, data[..sent]);
            _forwarded[up ? 0 : 1] += sent;
            data = data[sent..];
        }
    }

    private void EndOfStream(bool up, Socket to)
    {
        if (proxy.Find(FaultKind.SlowClose, Id, Now, up) is { } slow)
        {
            Log?.Write(Now, Id, up, "fault", slow.Fault.KindName, 0, $"FIN held {slow.Fault.Duration.TotalMilliseconds:0.###} ms");
            Task.Delay(slow.Fault.Duration, proxy.Clock, proxy.Stopping).Wait();
        }

        Log?.Write(Now, Id, up, "fin", null, _forwarded[up ? 0 : 1]);
        if (proxy.Pcap is { } pcap && _clientFlow is not null && _upstreamFlow is not null)
        {
            pcap.Fin(up ? _clientFlow : _upstreamFlow, up ? true : false);
            pcap.Fin(up ? _upstreamFlow : _clientFlow, up ? true : false);
        }

        try
        {
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the other side is gone already
        }

        lock (_eof)
        {
            _eof[up ? 0 : 1] = true;
            if (_eof[0] && _eof[1])
            {
                Close(null);
            }
        }
    }

    /// <summary>Timeline and pcap entries for data read (<paramref name="read"/>) or written in direction <paramref name="up"/>.</summary>
    private void Record(bool up, bool read, ReadOnlySpan<byte> data)
    {
        if (Log is { DataEvents: true } log)
        {
            log.Write(Now, Id, up, read ? "read" : "write", null, data.Length);
        }

        if (proxy.Pcap is { } pcap && _clientFlow is not null && _upstreamFlow is not null)
        {
            // The program's side: the program (A) sends up, the proxy (B) sends down. The upstream side: the proxy (A)
            // sends up, the upstream (B) sends down. Reads happen on the source side, writes on the destination side.
            PcapRecorder.Flow flow = up == read ? _clientFlow : _upstreamFlow;
            pcap.Data(flow, up, data);
        }
    }
}
