using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;

namespace Usock.Chaos.Recording;

/// <summary>
/// Writes a pcap file (microsecond timestamps, Ethernet link type) of what the proxy saw and did: for every proxied TCP
/// connection two synthesized TCP streams, the program's side (program → proxy) and the peer's side (proxy → upstream),
/// each with a SYN handshake, data segments whose sequence numbers advance per direction, and FIN or RST at the end;
/// for UDP every datagram on both sides. The packets are built by PacketDotNet; this class writes only the file
/// format (a 24-byte header, a 16-byte header per packet). Readable by <c>tshark -r</c>, <c>-z follow,tcp,ascii</c>.
/// </summary>
internal sealed class PcapRecorder : IDisposable
{
    private const int MaxSegment = 32 * 1024;
    private static readonly PhysicalAddress MacA = PhysicalAddress.Parse("02-00-00-00-00-0A");
    private static readonly PhysicalAddress MacB = PhysicalAddress.Parse("02-00-00-00-00-0B");
    private readonly object _gate = new();
    private readonly Stream _out;
    private readonly TimeProvider _clock;
    private readonly byte[] _recordHeader = new byte[16];
    private bool _disposed;

    public PcapRecorder(Stream output, TimeProvider clock)
    {
        _out = output;
        _clock = clock;
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0xa1b2c3d4); // microsecond timestamps
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 262_144); // snap length
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1); // LINKTYPE_ETHERNET
        _out.Write(h);
        _out.Flush();
    }

    /// <summary>A TCP stream between <see cref="A"/> (the side that connected) and <see cref="B"/>.</summary>
    internal sealed class Flow(IPEndPoint a, IPEndPoint b, uint isnA, uint isnB)
    {
        public IPEndPoint A { get; } = a;

        public IPEndPoint B { get; } = b;

        public uint SeqA { get; set; } = isnA;

        public uint SeqB { get; set; } = isnB;

        public bool Closed { get; set; }

        public bool FinA { get; set; }

        public bool FinB { get; set; }
    }

    /// <summary>Starts a stream: writes SYN, SYN-ACK, ACK.</summary>
    public Flow Open(IPEndPoint a, IPEndPoint b, uint isn)
    {
        var f = new Flow(a, b, isn, isn ^ 0x5a5a_0000);
        lock (_gate)
        {
            Segment(f, true, syn: true, ack: false, fin: false, rst: false, []);
            f.SeqA++;
            Segment(f, false, syn: true, ack: true, fin: false, rst: false, []);
            f.SeqB++;
            Segment(f, true, syn: false, ack: true, fin: false, rst: false, []);
            _out.Flush();
        }

        return f;
    }

    /// <summary>Data sent by A (<paramref name="fromA"/>) or by B.</summary>
    public void Data(Flow f, bool fromA, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (f.Closed)
            {
                return;
            }

            for (int at = 0; at < data.Length; at += MaxSegment)
            {
                ReadOnlySpan<byte> piece = data.Slice(at, Math.Min(MaxSegment, data.Length - at));
                Segment(f, fromA, syn: false, ack: true, fin: false, rst: false, piece.ToArray());
                if (fromA)
                {
                    f.SeqA += (uint)piece.Length;
                }
                else
                {
                    f.SeqB += (uint)piece.Length;
                }
            }

            _out.Flush();
        }
    }

    /// <summary>A FIN from A or B.</summary>
    public void Fin(Flow f, bool fromA)
    {
        lock (_gate)
        {
            if (f.Closed || (fromA ? f.FinA : f.FinB))
            {
                return;
            }

            if (fromA)
            {
                f.FinA = true;
            }
            else
            {
                f.FinB = true;
            }

            Segment(f, fromA, syn: false, ack: true, fin: true, rst: false, []);
            if (fromA)
            {
                f.SeqA++;
            }
            else
            {
                f.SeqB++;
            }

            _out.Flush();
        }
    }

    /// <summary>A RST from A or B; nothing more is recorded on the flow.</summary>
    public void Reset(Flow f, bool fromA)
    {
        lock (_gate)
        {
            if (f.Closed)
            {
                return;
            }

            Segment(f, fromA, syn: false, ack: true, fin: false, rst: true, []);
            f.Closed = true;
            _out.Flush();
        }
    }

    /// <summary>A UDP datagram.</summary>
    public void Datagram(IPEndPoint from, IPEndPoint to, ReadOnlySpan<byte> data)
    {
        var udp = new UdpPacket((ushort)from.Port, (ushort)to.Port) { PayloadData = data.ToArray() };
        lock (_gate)
        {
            Write(Wrap(from.Address, to.Address, udp, true, () => udp.UpdateUdpChecksum()));
            _out.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _out.Flush();
            }
        }
    }

    private void Segment(Flow f, bool fromA, bool syn, bool ack, bool fin, bool rst, byte[] payload)
    {
        IPEndPoint src = fromA ? f.A : f.B;
        IPEndPoint dst = fromA ? f.B : f.A;
        var tcp = new TcpPacket((ushort)src.Port, (ushort)dst.Port)
        {
            SequenceNumber = fromA ? f.SeqA : f.SeqB,
            AcknowledgmentNumber = ack ? (fromA ? f.SeqB : f.SeqA) : 0,
            Synchronize = syn,
            Acknowledgment = ack,
            Finished = fin,
            Reset = rst,
            Push = payload.Length > 0,
            WindowSize = 65535,
            PayloadData = payload,
        };
        Write(Wrap(src.Address, dst.Address, tcp, fromA, () => tcp.UpdateTcpChecksum()));
    }

    private static EthernetPacket Wrap(IPAddress src, IPAddress dst, Packet transport, bool fromA, Action checksum)
    {
        src = src.IsIPv4MappedToIPv6 ? src.MapToIPv4() : src;
        dst = dst.IsIPv4MappedToIPv6 ? dst.MapToIPv4() : dst;
        IPPacket ip = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? new IPv4Packet(src, dst) { TimeToLive = 64 }
            : new IPv6Packet(src, dst) { HopLimit = 64 };
        ip.PayloadPacket = transport;
        var eth = new EthernetPacket(fromA ? MacA : MacB, fromA ? MacB : MacA, ip is IPv4Packet ? EthernetType.IPv4 : EthernetType.IPv6)
        {
            PayloadPacket = ip,
        };
        checksum();
        if (ip is IPv4Packet v4)
        {
            v4.UpdateIPChecksum();
        }

        return eth;
    }

    private void Write(EthernetPacket eth)
    {
        if (_disposed)
        {
            return;
        }

        byte[] bytes = eth.Bytes;
        long us = (_clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader, (uint)(us / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(_recordHeader.AsSpan(4), (uint)(us % 1_000_000));
        BinaryPrimitives.WriteInt32LittleEndian(_recordHeader.AsSpan(8), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(_recordHeader.AsSpan(12), bytes.Length);
        _out.Write(_recordHeader);
        _out.Write(bytes);
    }
}
