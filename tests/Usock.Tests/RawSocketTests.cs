using System.Buffers.Binary;
using System.Diagnostics;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// SOCK_RAW: an ICMP echo to the loopback address and its reply, when the process may open raw sockets;
/// otherwise creation must fail with the host's EPERM or EACCES.
/// </summary>
public class RawSocketTests
{
    private const int IcmpProto = 1;
    private const int Icmpv6Proto = 58;

    [Fact]
    public void IcmpEcho_ToLoopback_GetsTheReply()
    {
        USocket? s = CreateOrAssertPermissionDenied(USocket.AF_INET, IcmpProto);
        if (s is null)
        {
            return;
        }

        using (s)
        {
            using var guard = new HangGuard(Loopback.Patience, s);
            Assert.Equal(USocket.SOCK_RAW, s.Type);
            Assert.Equal(IcmpProto, s.Proto);
            Assert.Equal(0, s.GetSocketSta());
            s.SetTimeout(2);
            ushort id = (ushort)Random.Shared.Next(1, 0xFFFF);
            byte[] payload = Wire.Seq(32, 7);
            byte[] request = Echo(type: 8, id, seq: 1, payload);

            Assert.Equal(request.Length, s.SendTo(request, ("127.0.0.1", 0)));

            // The raw socket sees every ICMP packet, our own request included: wait for the matching reply.
            byte[] reply = ReceiveIcmp(s, ipHeader: true, type: 0, id, out (string Host, int Port) from);
            Assert.Equal("127.0.0.1", from.Host);
            Assert.Equal(0, reply[1]); // code
            Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(reply.AsSpan(6))); // sequence
            Assert.Equal(payload, reply[8..]);
            Assert.Equal(0, Checksum(reply)); // a valid checksum sums to zero
        }
    }

    [Fact]
    public void Icmpv6Echo_ToLoopback_GetsTheReply()
    {
        USocket? s = CreateOrAssertPermissionDenied(USocket.AF_INET6, Icmpv6Proto);
        if (s is null)
        {
            return;
        }

        using (s)
        {
            using var guard = new HangGuard(Loopback.Patience, s);
            s.SetTimeout(2);
            ushort id = (ushort)Random.Shared.Next(1, 0xFFFF);
            byte[] payload = Wire.Seq(16, 3);

            // The kernel fills in the ICMPv6 checksum (it covers a pseudo-header the program does not see).
            s.SendTo(Echo(type: 128, id, seq: 1, payload, checksum: false), ("::1", 0));

            byte[] reply = ReceiveIcmp(s, ipHeader: false, type: 129, id, out (string Host, int Port) from);
            Assert.Equal("::1", from.Host);
            Assert.Equal(payload, reply[8..]);
        }
    }

    [Fact]
    public void RawSocket_AnyProtocolNumber_IsCreated_AndWaitsByMode()
    {
        // SOCK_RAW takes proto as given, including numbers .NET has no name for: 253 is reserved for experiments
        // (RFC 3692), so nobody sends it and the socket receives nothing.
        USocket? s = CreateOrAssertPermissionDenied(USocket.AF_INET, 253);
        if (s is null)
        {
            return;
        }

        using (s)
        {
            s.SetBlocking(false);
            Loopback.Raises(Errno.EAGAIN, () => s.RecvFrom(100));
            s.SetTimeout(0.1);
            Loopback.Raises(Errno.ETIMEDOUT, () => s.RecvFrom(100));
        }
    }

    // A raw socket, or null after asserting that the host refused it for lack of privilege.
    private static USocket? CreateOrAssertPermissionDenied(int af, int proto)
    {
        try
        {
            return new USocket(af, USocket.SOCK_RAW, proto);
        }
        catch (UsocketException e)
        {
            Assert.True(e.Errno is Errno.EPERM or Errno.EACCES, $"expected EPERM or EACCES without the privilege, got {e.Message}");
            return null;
        }
    }

    private static byte[] ReceiveIcmp(USocket s, bool ipHeader, byte type, ushort id, out (string Host, int Port) from)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < Loopback.Patience)
        {
            (byte[] packet, (string Host, int Port) sender) = s.RecvFrom(1500);
            int offset = ipHeader ? (packet[0] & 0x0F) * 4 : 0;
            byte[] icmp = packet[offset..];
            if (icmp.Length >= 8 && icmp[0] == type && BinaryPrimitives.ReadUInt16BigEndian(icmp.AsSpan(4)) == id)
            {
                from = sender;
                return icmp;
            }
        }

        Assert.Fail("no echo reply arrived");
        from = default;
        return [];
    }

    private static byte[] Echo(byte type, ushort id, ushort seq, byte[] payload, bool checksum = true)
    {
        var packet = new byte[8 + payload.Length];
        packet[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), seq);
        payload.CopyTo(packet, 8);
        if (checksum)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), Checksum(packet));
        }

        return packet;
    }

    // The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words.
    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
