namespace Usock.Chaos.Relay;

/// <summary>The per-chunk faults of one proxied TCP connection: latency, bandwidth, slicer, a data limit and a reset
/// after a byte count, applied to each chunk a pump read before it is written on.</summary>
internal sealed partial class TcpConnection
{
    /// <summary>Applies the per-chunk faults and writes; false when the connection ended (limit or reset reached).</summary>
    private async Task<bool> Forward(byte[] buffer, int n, bool up, FaultEntry[] faults, TimeSpan now)
    {
        int dir = up ? 0 : 1;
        int length = n;
        string? end = null;
        TimeSpan delay = TimeSpan.Zero;
        long rate = 0;
        long slice = 0;
        TimeSpan sliceDelay = TimeSpan.Zero;
        foreach (FaultEntry e in faults)
        {
            Fault f = e.Fault;
            if (!ChaosProxy.Active(e, now) || !f.Covers(up) || !proxy.Applies(e, Id))
            {
                continue;
            }

            switch (f.Kind)
            {
                case FaultKind.LimitData or FaultKind.ResetPeer when f.Bytes > 0:
                    long counted = f.Direction == FaultDirection.Both ? _forwarded[0] + _forwarded[1] : _forwarded[dir];
                    long left = Math.Max(0, f.Bytes - counted);
                    if (length >= left)
                    {
                        length = (int)left;
                        end = f.KindName;
                    }

                    break;
                case FaultKind.Latency:
                    double spread = f.Jitter > TimeSpan.Zero ? (Seeded.Draw(proxy.Options.Seed, Id, dir + 2, _chunks[dir]) * 2) - 1 : 0;
                    delay += f.Duration + (f.Jitter * spread);
                    break;
                case FaultKind.Bandwidth:
                    rate = rate == 0 ? f.BytesPerSecond : Math.Min(rate, f.BytesPerSecond);
                    break;
                case FaultKind.Slicer:
                    slice = f.Bytes;
                    sliceDelay = f.Duration;
                    break;
                default:
                    break;
            }
        }

        if (delay > TimeSpan.Zero)
        {
            Log?.Write(now, Id, up, "fault", "latency", length, $"{delay.TotalMilliseconds:0.###} ms");
            await Task.Delay(delay, proxy.Clock, proxy.Stopping).ConfigureAwait(false);
        }

        if (slice > 0 || rate > 0)
        {
            long piece = slice > 0 ? slice : Math.Max(1, rate / 50);
            if (slice > 0)
            {
                Log?.Write(Now, Id, up, "fault", "slicer", length, $"{(length + slice - 1) / slice} pieces");
            }

            for (int at = 0; at < length; at += (int)piece)
            {
                int size = (int)Math.Min(piece, length - at);
                if (rate > 0)
                {
                    await Pace(dir, size, rate, up).ConfigureAwait(false);
                }

                SendAll(up ? _upstream! : _client, buffer.AsSpan(at, size), up);
                if (slice > 0 && sliceDelay > TimeSpan.Zero && at + size < length)
                {
                    await Task.Delay(sliceDelay, proxy.Clock, proxy.Stopping).ConfigureAwait(false);
                }
            }
        }
        else if (length > 0)
        {
            SendAll(up ? _upstream! : _client, buffer.AsSpan(0, length), up);
        }

        if (end is not null)
        {
            Log?.Write(Now, Id, up, "fault", end, length, end == "limit_data" ? "the data limit is reached" : "reset after a byte count");
            if (end == "limit_data")
            {
                Close(end);
            }
            else
            {
                Reset();
            }

            return false;
        }

        return true;
    }

    private async Task Pace(int dir, int size, long rate, bool up)
    {
        long nowTicks = Now.Ticks;
        long due = _paceStart[dir] + (long)(_paceBytes[dir] * (double)TimeSpan.TicksPerSecond / rate);
        if (_paceStart[dir] == 0 || due < nowTicks - TimeSpan.TicksPerSecond / 10)
        {
            _paceStart[dir] = nowTicks; // idle for a while: the budget starts again
            _paceBytes[dir] = 0;
            due = nowTicks;
        }

        _paceBytes[dir] += size;
        if (due > nowTicks)
        {
            TimeSpan wait = TimeSpan.FromTicks(due - nowTicks);
            if (wait >= TimeSpan.FromMilliseconds(1))
            {
                Log?.Write(Now, Id, up, "fault", "bandwidth", size, $"waits {wait.TotalMilliseconds:0.###} ms");
                await Task.Delay(wait, proxy.Clock, proxy.Stopping).ConfigureAwait(false);
            }
        }
    }
}
