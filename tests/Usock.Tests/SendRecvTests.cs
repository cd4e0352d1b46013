using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

public class SendRecvTests
{
    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void SendThenRecv_MovesBytesBothWays(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        Loopback.Apply(p.Client, mode);
        Loopback.Apply(p.Server, mode);

        Assert.Equal(5, p.Client.Send("hello"));
        Assert.True(Loopback.Eventually(() => p.Server.GetSocketSta() == (int)TcpState.Established));
        byte[] got = RecvEventually(p.Server, 100, 5);
        Assert.Equal("hello", Encoding.ASCII.GetString(got));

        Assert.Equal(3, p.Server.Send(new byte[] { 1, 2, 3 }));
        Assert.Equal(new byte[] { 1, 2, 3 }, RecvEventually(p.Client, 3, 3));
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public void Recv_NothingThere_RaisesByMode(Mode mode)
    {
        if (mode == Mode.Blocking)
        {
            return; // would wait forever: covered by the close-unblocks test
        }

        using Pair p = Loopback.Connected();
        Loopback.Apply(p.Client, mode, 0.2);
        Loopback.Raises(Loopback.WouldWaitErrno(mode), () => p.Client.Recv(10));
        p.Server.Send("x");
        Assert.Equal("x"u8.ToArray(), RecvEventually(p.Client, 10, 1));
    }

    [Fact]
    public void Recv_NegativeBufsize_Throws()
    {
        using Pair p = Loopback.Connected();
        Assert.Throws<ArgumentOutOfRangeException>("bufsize", () => p.Client.Recv(-1));
    }

    [Fact]
    public void Recv_HugeBufsize_ReturnsWhatIsThere()
    {
        using Pair p = Loopback.Connected();
        p.Server.Send("abc");
        Assert.Equal("abc"u8.ToArray(), p.Client.Recv(int.MaxValue));
    }

    internal static byte[] RecvEventually(USocket s, int bufsize, int expected)
    {
        var all = new List<byte>();
        Assert.True(Loopback.Eventually(() =>
        {
            try
            {
                all.AddRange(s.Recv(bufsize));
            }
            catch (UsocketException e) when (e.Errno is Errno.EAGAIN or Errno.ETIMEDOUT)
            {
            }

            return all.Count >= expected;
        }));
        return all.ToArray();
    }
}
