using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Datagrams read through the stream methods (issue 9, defect 9): a 20,000-byte datagram is never cut at the
/// 16 KiB read buffer: Read, ReadLine and ReadInto return it whole.
/// </summary>
public class DatagramStreamTests
{
    private const int Size = 20_000;

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Read_OfA20000ByteDatagram_ReturnsItWhole(int af)
    {
        (USocket r, USocket s) = Sockets(af);
        using (r)
        using (s)
        {
            byte[] sent = Wire.RandomBytes(Size);
            Assert.Equal(Size, s.SendTo(sent, r.GetSockName()));
            byte[]? got = r.Read(Size);
            Wire.Equal(sent, got);
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadLine_OfA20000ByteDatagramEndingInNewline_ReturnsItWhole(int af)
    {
        (USocket r, USocket s) = Sockets(af);
        using (r)
        using (s)
        {
            byte[] sent = Encoding.ASCII.GetBytes(new string('x', Size - 1) + "\n");
            Assert.Equal(Size, s.SendTo(sent, r.GetSockName()));
            Wire.Equal(sent, r.ReadLine());
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadInto_OfA20000ByteDatagram_FillsTheBufferWhole(int af)
    {
        (USocket r, USocket s) = Sockets(af);
        using (r)
        using (s)
        {
            byte[] sent = Wire.RandomBytes(Size);
            Assert.Equal(Size, s.SendTo(sent, r.GetSockName()));
            var buffer = new byte[Size];
            Assert.Equal(Size, r.ReadInto(buffer));
            Assert.Equal(sent, buffer);
        }
    }

    private static (USocket Receiver, USocket Sender) Sockets(int af)
    {
        var r = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        r.Bind((Loopback.Host(af), 0));
        r.SetTimeout(2);
        var s = new USocket(af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        return (r, s);
    }
}
