using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Usock.Chaos.Relay;

/// <summary>
/// The UDP side of <see cref="ChaosProxy"/>: one listening socket; for each program address a session with its own
/// upstream socket (so the upstream sees one source port per program, as through a NAT). Faults: latency ± jitter,
/// bandwidth, loss, limit_data, down and outage (datagrams dropped), NAT idle (an idle session is forgotten: the
/// program's next datagram leaves from a new port, and the peer's datagrams to the old one are lost).
/// </summary>
internal sealed class UdpRelay(ChaosProxy proxy) : IDisposable
{
    private const int MaxDatagram = 65535;
    private readonly ConcurrentDictionary<IPEndPoint, Session> _sessions = new();
    private Socket? _socket;
    private IPEndPoint? _local;

    private sealed class Session(long id, IPEndPoint program, Socket upstream)
    {
        public long Id { get; } = id;

        public IPEndPoint Program { get; } = program;

        public Socket Upstream { get; } = upstream;

        public long LastActivityTicks;

        public long Count;

        public long[] Forwarded { get; } = new long[2];

        public long[] PaceStart { get; } = new long[2];

        public long[] PaceBytes { get; } = new long[2];
    }

    public IPEndPoint Start(IPEndPoint at)
    {
        _socket = new Socket(at.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(at);
        _local = (IPEndPoint)_socket.LocalEndPoint!;
        _ = Receive();
        return _local;
    }

    public void Evaluate(TimeSpan now)
    {
        foreach (Session s in _sessions.Values)
        {
            if (proxy.Find(FaultKind.NatIdle, s.Id, now) is { } nat
                && now - TimeSpan.FromTicks(Interlocked.Read(ref s.LastActivityTicks)) >= nat.Fault.Duration)
            {
                proxy.Timeline?.Write(now, s.Id, null, "fault", nat.Fault.KindName, 0, $"mapping for {s.Program} forgotten");
                _sessions.TryRemove(s.Program, out _);
                s.Upstream.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _socket?.Dispose();
        foreach (Session s in _sessions.Values)
        {
            s.Upstream.Dispose();
        }
    }

    private async Task Receive()
    {
        byte[] buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(_local!.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (true)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket!.ReceiveFromAsync(buffer, SocketFlags.None, any, proxy.Stopping).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue; // an ICMP port unreachable for an earlier datagram
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            var from = (IPEndPoint)r.RemoteEndPoint;
            Session? s = await GetSession(from).ConfigureAwait(false);
            if (s is not null)
            {
                Forward(s, true, buffer.AsSpan(0, r.ReceivedBytes).ToArray());
            }
        }
    }

    private async Task<Session?> GetSession(IPEndPoint from)
    {
        if (_sessions.TryGetValue(from, out Session? s))
        {
            return s;
        }

        long id = proxy.NextConnectionId();
        IPAddress[]? addresses = await proxy.ResolveUpstream(id).ConfigureAwait(false);
        if (addresses is null || addresses.Length == 0)
        {
            return null;
        }

        var up = new Socket(addresses[0].AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            up.Connect(new IPEndPoint(addresses[0], proxy.Options.UpstreamPort));
        }
        catch (SocketException)
        {
            up.Dispose();
            return null;
        }

        s = new Session(id, from, up);
        Interlocked.Exchange(ref s.LastActivityTicks, proxy.Elapsed.Ticks);
        _sessions[from] = s;
        proxy.Timeline?.Write(proxy.Elapsed, id, null, "open", null, 0, $"from {from} via {up.LocalEndPoint}");
        _ = ReceiveUpstream(s);
        return s;
    }

    private async Task ReceiveUpstream(Session s)
    {
        byte[] buffer = new byte[MaxDatagram];
        while (true)
        {
            int n;
            try
            {
                n = await s.Upstream.ReceiveAsync(buffer, SocketFlags.None, proxy.Stopping).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            Forward(s, false, buffer.AsSpan(0, n).ToArray());
        }
    }

    private void Forward(Session s, bool up, byte[] datagram)
    {
        TimeSpan now = proxy.Elapsed;
        Interlocked.Exchange(ref s.LastActivityTicks, now.Ticks);
        long index = Interlocked.Increment(ref s.Count);
        int dir = up ? 0 : 1;
        IPEndPoint upstreamRemote = (IPEndPoint)s.Upstream.RemoteEndPoint!;
        IPEndPoint upstreamLocal = (IPEndPoint)s.Upstream.LocalEndPoint!;
        proxy.Pcap?.Datagram(up ? s.Program : upstreamRemote, up ? _local! : upstreamLocal, datagram);
        if (proxy.Timeline is { DataEvents: true } log)
        {
            log.Write(now, s.Id, up, "read", null, datagram.Length);
        }

        TimeSpan delay = TimeSpan.Zero;
        foreach (FaultEntry e in proxy.Snapshot)
        {
            Fault f = e.Fault;
            if (!ChaosProxy.Active(e, now) || !f.Covers(up) || !proxy.Applies(e, s.Id))
            {
                continue;
            }

            string? drop = f.Kind switch
            {
                FaultKind.Down or FaultKind.Outage => "nothing passes",
                FaultKind.Loss when Seeded.Draw(proxy.Options.Seed, s.Id, e.Id + (dir * 1_000_003L), index) < f.Toxicity => "lost",
                FaultKind.LimitData when s.Forwarded[0] + s.Forwarded[1] + datagram.Length > f.Bytes => "over the data limit",
                _ => null,
            };
            if (drop is not null)
            {
                proxy.Timeline?.Write(now, s.Id, up, "dropped", f.KindName, datagram.Length, drop);
                return;
            }

            if (f.Kind == FaultKind.Latency)
            {
                double spread = f.Jitter > TimeSpan.Zero ? (Seeded.Draw(proxy.Options.Seed, s.Id, dir + 2, index) * 2) - 1 : 0;
                delay += f.Duration + (f.Jitter * spread);
            }
            else if (f.Kind == FaultKind.Bandwidth)
            {
                long nowTicks = now.Ticks;
                long due = s.PaceStart[dir] + (long)(s.PaceBytes[dir] * (double)TimeSpan.TicksPerSecond / f.BytesPerSecond);
                if (s.PaceStart[dir] == 0 || due < nowTicks)
                {
                    s.PaceStart[dir] = nowTicks;
                    s.PaceBytes[dir] = 0;
                    due = nowTicks;
                }

                s.PaceBytes[dir] += datagram.Length;
                delay += TimeSpan.FromTicks(due - nowTicks);
            }
        }

        s.Forwarded[dir] += datagram.Length;
        if (delay > TimeSpan.Zero)
        {
            proxy.Timeline?.Write(now, s.Id, up, "fault", "latency", datagram.Length, $"{delay.TotalMilliseconds:0.###} ms");
            _ = Later(delay, s, up, datagram);
        }
        else
        {
            Send(s, up, datagram);
        }
    }

    private async Task Later(TimeSpan delay, Session s, bool up, byte[] datagram)
    {
        try
        {
            await Task.Delay(delay, proxy.Clock, proxy.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Send(s, up, datagram);
    }

    private void Send(Session s, bool up, byte[] datagram)
    {
        try
        {
            if (up)
            {
                s.Upstream.Send(datagram);
                proxy.Pcap?.Datagram((IPEndPoint)s.Upstream.LocalEndPoint!, (IPEndPoint)s.Upstream.RemoteEndPoint!, datagram);
            }
            else
            {
                _socket!.SendTo(datagram, s.Program);
                proxy.Pcap?.Datagram(_local!, s.Program, datagram);
            }

            if (proxy.Timeline is { DataEvents: true } log)
            {
                log.Write(proxy.Elapsed, s.Id, up, "write", null, datagram.Length);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            proxy.Timeline?.Write(proxy.Elapsed, s.Id, up, "send_failed", null, datagram.Length, e.Message);
        }
    }
}
