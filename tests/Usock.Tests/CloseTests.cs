using System.Diagnostics;
using System.Net;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>close()</c>: idempotent, every later call raises 9 EBADF, and a blocked call is ended by it.</summary>
public class CloseTests
{
    private static readonly Dictionary<string, Action<USocket>> Members = new()
    {
        ["Bind"] = s => s.Bind(("127.0.0.1", 0)),
        ["BindEndPoint"] = s => s.Bind(new IPEndPoint(IPAddress.Loopback, 0)),
        ["Listen"] = s => s.Listen(),
        ["Accept"] = s => s.Accept(),
        ["Connect"] = s => s.Connect(("127.0.0.1", 9)),
        ["ConnectEndPoint"] = s => s.Connect(new IPEndPoint(IPAddress.Loopback, 9)),
        ["Read"] = s => s.Read(1),
        ["ReadAll"] = s => s.Read(),
        ["ReadZero"] = s => s.Read(0),
        ["ReadIntoSpan"] = s => s.ReadInto(new byte[4].AsSpan()),
        ["ReadIntoArray"] = s => s.ReadInto(new byte[4], 2),
        ["ReadLine"] = s => s.ReadLine(),
        ["WriteSpan"] = s => s.Write("x"u8),
        ["WriteArray"] = s => s.Write(new byte[] { 1 }),
        ["WriteString"] = s => s.Write("x"),
        ["SendSpan"] = s => s.Send("x"u8),
        ["SendArray"] = s => s.Send(new byte[] { 1 }),
        ["SendString"] = s => s.Send("x"),
        ["SendEmpty"] = s => s.Send(ReadOnlySpan<byte>.Empty),
        ["SendAllSpan"] = s => s.SendAll("x"u8),
        ["SendAllArray"] = s => s.SendAll(new byte[] { 1 }),
        ["SendAllString"] = s => s.SendAll("x"),
        ["SendTo"] = s => s.SendTo("x"u8, ("127.0.0.1", 9)),
        ["SendToString"] = s => s.SendTo("x", ("127.0.0.1", 9)),
        ["SendToEndPoint"] = s => s.SendTo("x"u8, new IPEndPoint(IPAddress.Loopback, 9)),
        ["Recv"] = s => s.Recv(1),
        ["RecvZero"] = s => s.Recv(0),
        ["RecvInto"] = s => s.RecvInto(new byte[4]),
        ["RecvFrom"] = s => s.RecvFrom(1),
        ["SetSockOptReuse"] = s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1),
        ["SetSockOptKeepAlive"] = s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.TCP_KEEPALIVE, 1),
        ["SetSockOptUnknown"] = s => s.SetSockOpt(USocket.SOL_SOCKET, 12345, 1),
        ["SetSockOptBytes"] = s => s.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, new byte[4]),
        ["SetBlockingTrue"] = s => s.SetBlocking(true),
        ["SetBlockingFalse"] = s => s.SetBlocking(false),
        ["SetTimeout"] = s => s.SetTimeout(1),
        ["SetTimeoutNull"] = s => s.SetTimeout(null),
        ["MakeFileRb"] = s => s.MakeFile("rb"),
        ["MakeFileWb"] = s => s.MakeFile("wb"),
        ["Shutdown"] = s => s.Shutdown(USocket.SHUT_RDWR),
        ["GetSockName"] = s => s.GetSockName(),
        ["GetPeerName"] = s => s.GetPeerName(),
    };

    public static TheoryData<string, bool> MembersAndStates
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (string name in Members.Keys)
            {
                data.Add(name, false);
                data.Add(name, true);
            }

            return data;
        }
    }

    [Fact]
    public void Close_IsIdempotent()
    {
        var s = new USocket();
        s.Close();
        s.Close();
        s.Dispose();
        s.Close();
        Assert.True(s.IsClosed);
        Assert.Equal(-1, s.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(MembersAndStates))]
    public void AfterClose_EveryMember_RaisesEBADF(string member, bool wasConnected)
    {
        USocket s;
        Pair? pair = null;
        if (wasConnected)
        {
            pair = Loopback.Connected();
            s = pair.Client;
        }
        else
        {
            s = new USocket();
        }

        using (pair)
        {
            s.Close();

            var e = Loopback.Raises(Errno.EBADF, () => Members[member](s));

            Assert.Equal("EBADF", e.ErrnoName);
            Assert.StartsWith("[Errno 9] EBADF", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(USocket.SOCK_DGRAM)]
    [InlineData(USocket.SOCK_STREAM)]
    public void AfterClose_GetSocketStaIsMinusOne(int type)
    {
        using Pair p = Loopback.Connected();
        var s = new USocket(USocket.AF_INET, type);
        s.Close();
        p.Client.Close();

        Assert.Equal(-1, s.GetSocketSta());
        Assert.Equal(-1, p.Client.GetSocketSta());
        Assert.True(p.Client.IsClosed);
        Assert.False(p.Server.IsClosed);
    }

    [Fact]
    public void Dispose_IsClose()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.Dispose();

        Assert.True(p.Client.IsClosed);
        Assert.Equal(-1, p.Client.GetSocketSta());
        Loopback.Raises(Errno.EBADF, () => p.Client.Send("x"));
        p.Server.SetTimeout(Loopback.Patience);
        Wire.Equal([], p.Server.Read()); // the peer sees the connection end
    }

    [Fact]
    public void ToString_SaysClosed()
    {
        var s = new USocket();
        Assert.DoesNotContain("closed", s.ToString(), StringComparison.Ordinal);
        s.Close();
        Assert.Contains("closed", s.ToString(), StringComparison.Ordinal);
    }

    // Each call is proven waiting in the kernel (/proc/self/task/TID/syscall) before the close, never by sleeping.
    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void Close_FromAnotherThread_EndsABlockingRecv_WithEBADF(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        CloseWakes(p.Client, BlockedCall.Start("Recv", () => p.Client.Recv(10)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void Close_FromAnotherThread_EndsABlockingReadLine_WithEBADF(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        p.Server.SendAll("partial");
        CloseWakes(p.Client, BlockedCall.Start("ReadLine", () => p.Client.ReadLine()));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Close_FromAnotherThread_EndsABlockingAccept_WithEBADF(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var guard = new HangGuard(Loopback.Patience, l);
        CloseWakes(l, BlockedCall.Start("Accept", () => l.Accept()));
    }

    [Fact]
    public void Close_FromAnotherThread_EndsABlockingSendAll_WithEBADF()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        Buffers.Fix(p.Client);
        Buffers.Fix(p.Server);
        var data = new byte[Buffers.MoreThanFits]; // far more than the fixed buffers hold: the peer does not read
        CloseWakes(p.Client, BlockedCall.Start("SendAll", () => p.Client.SendAll(data)));
    }

    [Fact]
    public void Close_FromAnotherThread_EndsATimeoutRecv_WithEBADF()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Loopback.Patience);
        CloseWakes(p.Client, BlockedCall.Start("Recv", () => p.Client.Recv(10)));
    }

    [Fact]
    public void Close_FromAnotherThread_EndsABlockingUdpRecvFrom_WithEBADF()
    {
        using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        using var guard = new HangGuard(Loopback.Patience, u);
        u.Bind(("127.0.0.1", 0));
        CloseWakes(u, BlockedCall.Start("RecvFrom", () => u.RecvFrom(10)));
    }

    private static void CloseWakes(USocket s, BlockedCall call)
    {
        Blocked.SkipUnlessSupported();
        Blocked.On(call, s);
        long t0 = Stopwatch.GetTimestamp();
        s.Close();
        var e = Assert.IsType<UsocketException>(call.Raised(5));
        Assert.Equal(Errno.EBADF, e.Errno);
        Assert.InRange(call.MillisecondsSince(t0), 0, 1000);
    }
}
