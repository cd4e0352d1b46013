using System.Diagnostics;
using Usock.Chaos;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <see cref="ChaosLink"/>: the packet-level faults on a real link between two network namespaces the test makes.
/// A NAT idle drop there is honest: the program's data is never acknowledged (its kernel retransmits), its receive
/// with a timeout raises 110, and the peer never hears a thing; random loss leaves the data intact (SHA-256);
/// a reset rule gives the profile's errno.
/// </summary>
/// <remarks>Needs root, ip, tc and nft; skipped with the reason otherwise. Nothing leaves the two namespaces.</remarks>
[Collection(Serial.Name)]
[Trait("Category", "Netns")]
public class ChaosLinkTests(ITestOutputHelper output)
{
    private static ChaosLink Make()
    {
        string? why = ChaosLink.WhyUnavailable ?? Netns.WhyUnavailable;
        Assert.SkipWhen(why is not null, why ?? "");
        return ChaosLink.Create();
    }

    private static (USocket Client, USocket Server) Connect(ChaosLink link, UsocketProfile profile = UsocketProfile.QuecPython)
    {
        using USocket l = ChaosLink.In(link.PeerNamespace, () => new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile));
        l.Bind((ChaosLink.PeerAddress, 0));
        l.Listen(4);
        USocket c = ChaosLink.In(link.ProgramNamespace, () => new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile));
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());
        l.SetTimeout(Loopback.Patience);
        return (c, l.Accept().Conn);
    }

    [Fact]
    public void NatIdle_OnTheLink_TheProgramsDataIsNeverAcknowledged_RecvRaises110_ThePeerHearsNothing()
    {
        using ChaosLink link = Make();
        link.SetNatIdle(TimeSpan.FromMilliseconds(500));
        (USocket c, USocket s) = Connect(link);
        using (c)
        using (s)
        {
            c.SendAll("hello"u8);
            Wire.Equal("hello"u8.ToArray(), s.Read(5));
            s.SendAll("hi"u8);
            Wire.Equal("hi"u8.ToArray(), c.Read(2));

            Thread.Sleep(900); // idle past the NAT's timeout: the flow is forgotten
            c.SetTimeout(1);
            c.SendAll("are you there?"u8);
            Loopback.Raises(Errno.ETIMEDOUT, () => c.Recv(10));
            s.SetTimeout(0.3);
            Loopback.Raises(Errno.ETIMEDOUT, () => s.Recv(10)); // nothing reached the peer
            Assert.Equal((int)TcpState.Established, c.GetSocketSta());
            long dropped = link.DroppedPackets();
            output.WriteLine($"{dropped} packets dropped after the NAT forgot the flow (the client's retransmissions)");
            Assert.True(dropped >= 2, $"only {dropped} packets dropped: the data was not retransmitted, so it was acknowledged");
        }
    }

    [Fact]
    public void NatIdle_ATrafficKeepsTheFlow()
    {
        using ChaosLink link = Make();
        link.SetNatIdle(TimeSpan.FromMilliseconds(600));
        (USocket c, USocket s) = Connect(link);
        using (c)
        using (s)
        {
            for (int i = 0; i < 8; i++)
            {
                c.SendAll("hb"u8);
                Wire.Equal("hb"u8.ToArray(), s.Read(2));
                Thread.Sleep(200);
            }

            Assert.Equal(0, link.DroppedPackets());
        }
    }

    [Fact]
    public void Loss_5Percent_4MB_ArriveWithTheSameSha256()
    {
        using ChaosLink link = Make();
        link.SetLoss(5);
        (USocket c, USocket s) = Connect(link);
        using (c)
        using (s)
        {
            byte[] data = Wire.RandomBytes(4 * 1024 * 1024);
            var sw = Stopwatch.StartNew();
            Thread send = ChaosSetup.Background(() => c.SendAll(data));
            byte[] got = Wire.ReadExactly(s, data.Length);
            ChaosSetup.Join(send);
            long dropped = link.DroppedPackets();
            output.WriteLine($"{data.Length:N0} B over 5% loss: {sw.Elapsed.TotalSeconds:F2} s, {dropped} packets dropped");
            Assert.Equal(Wire.Hash(data), Wire.Hash(got));
            Assert.True(dropped > 0);
        }
    }

    [Theory]
    [InlineData(UsocketProfile.QuecPython, Errno.ECONNRESET)]
    [InlineData(UsocketProfile.Posix, Errno.ECONNREFUSED)]
    public void Reset_ConnectGetsTheProfilesErrno(UsocketProfile profile, int errno)
    {
        using ChaosLink link = Make();
        using USocket l = ChaosLink.In(link.PeerNamespace, () => new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile));
        l.Bind((ChaosLink.PeerAddress, 0));
        l.Listen(4);
        link.SetReset(true);
        using USocket c = ChaosLink.In(link.ProgramNamespace, () => new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile));
        c.SetTimeout(Loopback.Patience);
        Loopback.Raises(errno, () => c.Connect(l.GetSockName()));
    }

    [Fact]
    public void Blackhole_ConnectTimesOut_AndClearingTheLinkLetsItThrough()
    {
        using ChaosLink link = Make();
        using USocket l = ChaosLink.In(link.PeerNamespace, () => new USocket());
        l.Bind((ChaosLink.PeerAddress, 0));
        l.Listen(4);
        link.SetBlackhole(true);
        using USocket c = ChaosLink.In(link.ProgramNamespace, () => new USocket());
        c.SetTimeout(0.5);
        Loopback.Raises(Errno.ETIMEDOUT, () => c.Connect(l.GetSockName()));
        link.Clear();
        using USocket c2 = ChaosLink.In(link.ProgramNamespace, () => new USocket());
        c2.SetTimeout(Loopback.Patience);
        c2.Connect(l.GetSockName());
        Assert.Equal((int)TcpState.Established, c2.GetSocketSta());
    }
}
