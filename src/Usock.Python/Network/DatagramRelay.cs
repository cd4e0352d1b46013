using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Usock.Chaos;

namespace Usock.Python.Network;

/// <summary>
/// One datagram socket of the program, relayed in-process: the outer socket holds the program's address (where it bound,
/// or an ephemeral port) and talks to the world; the program's own socket is bound to a loopback port and receives only
/// from this relay, each datagram behind a small header naming its real sender, which the bridge strips (so
/// <c>recvfrom</c> reports the peer and <c>uselect</c> and timeouts work as ever). Both ways, a datagram meets the
/// network when it crosses the radio: lost while there is no data call, during a stall or on a <c>loss</c> draw (never
/// delivered later); otherwise delayed by latency (with jitter) and bandwidth.
/// </summary>
internal sealed class DatagramRelay
{
    /// <summary>Room for the header before each datagram the program receives.</summary>
    public const int HeaderRoom = 64;

    private readonly DeviceNetwork _net;
    private readonly long _id;
    private readonly USocket _program;
    private readonly Socket _outer;
    private readonly EndPoint _inner;
    private readonly (long Start, long Paced)[] _pace = [(0, 0), (0, 0)];
    private readonly long[] _count = new long[2]; // datagrams so far, up and down: each draw depends on its own

    private DatagramRelay(DeviceNetwork net, long id, USocket program, Socket outer, EndPoint inner)
    {
        (_net, _id, _program, _outer, _inner) = (net, id, program, outer, inner);
    }

    /// <summary>The peer of a connected datagram socket (<c>connect</c>): only its datagrams reach the program.</summary>
    public IPEndPoint? Peer { get; set; }

    /// <summary>The address the world sees (the program's <c>getsockname()</c>).</summary>
    public IPEndPoint Outer => (IPEndPoint)_outer.LocalEndPoint!;

    /// <summary>Relays <paramref name="program"/>'s datagrams: the outer socket takes <paramref name="bindTo"/> (or an
    /// ephemeral port); a bind that fails there is tried by the program's socket itself, which raises its own error.</summary>
    public static DatagramRelay Create(DeviceNetwork net, long id, USocket program, (string Host, int Port)? bindTo)
    {
        bool v6 = program.Family == USocket.AF_INET6;
        var outer = new Socket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (v6)
            {
                outer.DualMode = true;
            }

            IPAddress any = v6 ? IPAddress.IPv6Any : IPAddress.Any;
            IPAddress host = bindTo is { } b && b.Host.Length > 0 ? IPAddress.Parse(USocket.GetAddrInfo(b.Host, b.Port)[0].SockAddr.Host) : any;
            try
            {
                outer.Bind(new IPEndPoint(host, bindTo?.Port ?? 0));
            }
            catch (SocketException)
            {
                program.Bind(bindTo!.Value); // the program's own error (98, 99, ...); if it binds after all, not relayed
                throw new UsocketException(Errno.EADDRINUSE);
            }

            program.Bind((v6 ? "::1" : "127.0.0.1", 0));
            (string h, int p) = program.GetSockName();
            var relay = new DatagramRelay(net, id, program, outer, new IPEndPoint(IPAddress.Parse(h), p));
            new Thread(relay.Down, 256 * 1024) { IsBackground = true, Name = $"usock network udp {id}" }.Start();
            return relay;
        }
        catch
        {
            outer.Dispose();
            throw;
        }
    }

    /// <summary>A datagram the program sends to <paramref name="to"/>: the device's stack takes it at once; the network
    /// loses it or carries it after its delay.</summary>
    public void Up(ReadOnlySpan<byte> data, IPEndPoint to)
    {
        long n = Interlocked.Increment(ref _count[0]);
        if (Fate(true, n) is { } why)
        {
            _net.Timeline.Write(_net.Now, "socket", "lost", peer: to.ToString(), bytes: data.Length, detail: "a datagram: " + why);
            return;
        }

        TimeSpan delay = Delay(true, n, data.Length);
        if (delay <= TimeSpan.Zero)
        {
            Send(data, to);
            return;
        }

        byte[] copy = data.ToArray();
        _ = Task.Delay(delay).ContinueWith(_ => Send(copy, to), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Takes the header off a datagram the program received: the payload's length (at most
    /// <paramref name="room"/>, the rest cut as a datagram too long is) and its real sender.</summary>
    public static (int Length, string Host, int Port) Strip(Span<byte> datagram, int room)
    {
        int hl = datagram[0];
        string host = Encoding.ASCII.GetString(datagram.Slice(1, hl));
        int port = BinaryPrimitives.ReadUInt16BigEndian(datagram[(1 + hl)..]);
        int start = 3 + hl;
        int length = Math.Min(datagram.Length - start, room);
        datagram.Slice(start, length).CopyTo(datagram);
        return (length, host, port);
    }

    private void Send(ReadOnlySpan<byte> data, IPEndPoint to)
    {
        try
        {
            _outer.SendTo(data, SocketFlags.None, to);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // an ICMP error of an earlier datagram, or the socket closed: the datagram is gone, as on the air
        }
    }

    // What arrives at the program's address: lost, or delivered to its socket after the delay, behind the header.
    private void Down()
    {
        byte[] buf = new byte[65536];
        _outer.ReceiveTimeout = 200;
        while (true)
        {
            EndPoint from = new IPEndPoint(_outer.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            int n;
            try
            {
                n = _outer.ReceiveFrom(buf, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.ConnectionReset)
            {
                if (Closed())
                {
                    _outer.Dispose();
                    return;
                }

                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            var sender = (IPEndPoint)from;
            IPAddress address = sender.Address.IsIPv4MappedToIPv6 && _program.Family == USocket.AF_INET ? sender.Address.MapToIPv4() : sender.Address;
            if (Peer is { } peer && !(peer.Port == sender.Port && (peer.Address.Equals(address) || peer.Address.Equals(address.MapToIPv4()))))
            {
                continue; // a connected datagram socket hears only its peer
            }

            long k = Interlocked.Increment(ref _count[1]);
            if (Fate(false, k) is { } why)
            {
                _net.Timeline.Write(_net.Now, "socket", "dropped", peer: sender.ToString(), bytes: n, detail: "a datagram for the program: " + why);
                continue;
            }

            byte[] host = Encoding.ASCII.GetBytes(address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString());
            byte[] datagram = new byte[3 + host.Length + n];
            datagram[0] = (byte)host.Length;
            host.CopyTo(datagram, 1);
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(1 + host.Length), (ushort)sender.Port);
            buf.AsSpan(0, n).CopyTo(datagram.AsSpan(3 + host.Length));
            TimeSpan delay = Delay(false, k, n);
            if (delay <= TimeSpan.Zero)
            {
                Send(datagram, (IPEndPoint)_inner);
            }
            else
            {
                _ = Task.Delay(delay).ContinueWith(_ => Send(datagram, (IPEndPoint)_inner), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
    }

    // Why the network loses datagram n now, or null.
    private string? Fate(bool up, long n) =>
        !_net.Attached ? "no data call" : _net.Stalled ? "stall"
            : _net.Active(FaultKind.Loss, up) is { } loss && _net.Draw(_id, up ? 5 : 6, n) < loss.Toxicity ? "loss" : null;

    // Latency with its jitter, or the bandwidth's queue (no credit saved up from idle time), whichever is longer.
    private TimeSpan Delay(bool up, long n, int bytes)
    {
        TimeSpan delay = TimeSpan.Zero;
        if (_net.Active(FaultKind.Latency, up) is { } lat)
        {
            delay = TimeSpan.FromTicks(lat.Duration.Ticks + (long)(lat.Jitter.Ticks * ((2 * _net.Draw(_id, up ? 7 : 8, n)) - 1)));
        }

        if (_net.Active(FaultKind.Bandwidth, up) is { } bw)
        {
            lock (_pace)
            {
                ref (long Start, long Paced) p = ref _pace[up ? 0 : 1];
                if (p.Start == 0 || Stopwatch.GetElapsedTime(p.Start) > TimeSpan.FromSeconds((double)p.Paced / bw.BytesPerSecond))
                {
                    p = (Stopwatch.GetTimestamp(), 0);
                }

                p.Paced += bytes;
                TimeSpan queue = TimeSpan.FromSeconds((double)p.Paced / bw.BytesPerSecond) - Stopwatch.GetElapsedTime(p.Start);
                delay = queue > delay ? queue : delay;
            }
        }

        return delay;
    }

    private bool Closed()
    {
        try
        {
            _program.GetSockName();
            return false;
        }
        catch (UsocketException)
        {
            return true;
        }
    }
}
