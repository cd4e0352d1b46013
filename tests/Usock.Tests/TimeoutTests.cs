using System.Diagnostics;
using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>settimeout</c> / <c>setblocking</c>: the three modes, the <see cref="USocket.Timeout"/> property, bad values,
/// the socket staying usable after a timeout, and timing within generous slack.
/// </summary>
public class TimeoutTests
{
    private const double Long = Loopback.Patience;

    [Fact]
    public void NewSocket_IsBlocking()
    {
        using var s = new USocket();
        Assert.Null(s.Timeout);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(0.0, 0.0)]
    [InlineData(0.3, 0.3)]
    [InlineData(2.5, 2.5)]
    [InlineData(0.001, 0.001)]
    [InlineData(3600.0, 3600.0)]
    public void SetTimeout_TimeoutPropertyReflectsIt(double? set, double? expected)
    {
        using var s = new USocket();
        s.SetTimeout(5);
        s.SetTimeout(set);
        Assert.Equal(expected, s.Timeout);
    }

    [Fact]
    public void SetBlocking_IsSetTimeoutNullOrZero()
    {
        using var s = new USocket();
        s.SetTimeout(1.5);
        s.SetBlocking(false);
        Assert.Equal(0.0, s.Timeout);
        s.SetBlocking(true);
        Assert.Null(s.Timeout);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(-0.001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void SetTimeout_BadValue_ThrowsArgumentOutOfRange_AndKeepsTheOldTimeout(double value)
    {
        using var s = new USocket();
        s.SetTimeout(1.25);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => s.SetTimeout(value));

        Assert.Equal("seconds", e.ParamName);
        Assert.Equal(1.25, s.Timeout);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task SetTimeoutNull_RecvWaitsForData(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.1);
        p.Client.SetTimeout(null);
        Task sender = Task.Run(
            () =>
            {
                Thread.Sleep(400);
                p.Server.SendAll("late");
            },
            TestContext.Current.CancellationToken);

        var sw = Stopwatch.StartNew();
        byte[] got = p.Client.Recv(10);

        Assert.Equal("late", Encoding.ASCII.GetString(got));
        Assert.True(sw.ElapsedMilliseconds >= 300, $"returned after {sw.ElapsedMilliseconds} ms, before the data was sent");
        await Wire.Done(sender);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public async Task SetBlockingTrue_ReadLineWaitsForTheLine(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetBlocking(false);
        p.Client.SetBlocking(true);
        Task sender = Task.Run(
            () =>
            {
                Thread.Sleep(400);
                p.Server.SendAll("slow line\n");
            },
            TestContext.Current.CancellationToken);

        byte[]? line = p.Client.ReadLine();

        Wire.Equal("slow line\n"u8.ToArray(), line);
        await Wire.Done(sender);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NonBlocking_RecvRaisesEAGAINAtOnce(bool viaSetBlocking)
    {
        using Pair p = Loopback.Connected();
        if (viaSetBlocking)
        {
            p.Client.SetBlocking(false);
        }
        else
        {
            p.Client.SetTimeout(0);
        }

        double ms = Wire.TimeRaise(Errno.EAGAIN, () => p.Client.Recv(10));

        Assert.InRange(ms, 0, 250);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Recv_TimeoutElapsed_RaisesETIMEDOUT_WithinSlack(int af)
    {
        const double T = 0.3;
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(T);

        double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => p.Client.Recv(10));

        Assert.InRange(ms, 0.75 * T * 1000, 3 * T * 1000);
    }

    [Theory]
    [InlineData("Read")]
    [InlineData("ReadAll")]
    [InlineData("ReadInto")]
    [InlineData("ReadLine")]
    [InlineData("RecvInto")]
    [InlineData("RecvFrom")]
    public void StreamAndRecvCalls_TimeoutElapsed_RaiseETIMEDOUT_WithinSlack(string call)
    {
        const double T = 0.3;
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(T);
        Action action = call switch
        {
            "Read" => () => p.Client.Read(5),
            "ReadAll" => () => p.Client.Read(),
            "ReadInto" => () => p.Client.ReadInto(new byte[5]),
            "ReadLine" => () => p.Client.ReadLine(),
            "RecvInto" => () => p.Client.RecvInto(new byte[5]),
            _ => () => p.Client.RecvFrom(5),
        };

        double ms = Wire.TimeRaise(Errno.ETIMEDOUT, action);

        Assert.InRange(ms, 0.75 * T * 1000, 3 * T * 1000);
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Accept_TimeoutElapsed_RaisesETIMEDOUT_WithinSlack(int af)
    {
        const double T = 0.3;
        using USocket l = Loopback.Listener(af);
        using var guard = new HangGuard(Long, l);
        l.SetTimeout(T);

        double ms = Wire.TimeRaise(Errno.ETIMEDOUT, () => l.Accept());

        Assert.InRange(ms, 0.75 * T * 1000, 3 * T * 1000);
    }

    [Theory]
    [InlineData("ReadLine")]
    [InlineData("Read")]
    public async Task TrickleWithoutCompletion_TimesOutOnceForTheWholeCall(string call)
    {
        // The peer sends a byte every 50 ms and never finishes the line (or the count): every wait inside the
        // call is short, but the call has one deadline.
        const double T = 0.5;
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(T);
        using var stop = new CancellationTokenSource();
        Task trickle = Task.Run(
            () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    p.Server.SendAll("x");
                    Thread.Sleep(50);
                }
            },
            TestContext.Current.CancellationToken);

        try
        {
            double ms = Wire.TimeRaise(Errno.ETIMEDOUT, call == "ReadLine" ? () => p.Client.ReadLine() : () => p.Client.Read(100_000));
            Assert.InRange(ms, 0.75 * T * 1000, 3 * T * 1000);
        }
        finally
        {
            await stop.CancelAsync();
            await Wire.Done(trickle);
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void VerySmallTimeout_IsATimeout_NotNonBlocking(int af)
    {
        using Pair p = Loopback.Connected(af);
        using USocket l = Loopback.Listener(af);
        using var guard = new HangGuard(Long, p.Client, l);
        p.Client.SetTimeout(0.001);
        l.SetTimeout(0.001);

        Assert.Equal(0.001, p.Client.Timeout);
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Recv(1));
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Read(1));
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.ReadLine());
        Loopback.Raises(Errno.ETIMEDOUT, () => l.Accept());

        p.Client.SetTimeout(1e-9);
        Assert.NotEqual(0.0, p.Client.Timeout);
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Recv(1));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AfterETIMEDOUT_RecvAndSendStillWork(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.2);

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Recv(10));

        p.Server.SendAll("after");
        Assert.Equal("after", Encoding.ASCII.GetString(p.Client.Recv(10)));
        Assert.Equal(4, p.Client.Send("back"));
        p.Server.SetTimeout(Long);
        Wire.Equal("back"u8.ToArray(), p.Server.Read(4));
        Assert.Equal((int)TcpState.Established, p.Client.GetSocketSta());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AfterETIMEDOUT_ReadAndReadLineStillWork(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.2);

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Read(3));
        p.Server.SendAll("abc");
        Wire.Equal("abc"u8.ToArray(), p.Client.Read(3));

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.ReadLine());
        p.Server.SendAll("line\n");
        Wire.Equal("line\n"u8.ToArray(), p.Client.ReadLine());

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.ReadInto(new byte[2]));
        p.Server.SendAll("zz");
        Assert.Equal(2, p.Client.ReadInto(new byte[2]));

        p.Client.SendAll("ok");
        p.Server.SetTimeout(Long);
        Wire.Equal("ok"u8.ToArray(), p.Server.Read(2));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void AfterETIMEDOUT_AcceptStillWorks_AndTheConnectionIsBlocking(int af)
    {
        using USocket l = Loopback.Listener(af);
        using var guard = new HangGuard(Long, l);
        l.SetTimeout(0.2);

        Loopback.Raises(Errno.ETIMEDOUT, () => l.Accept());

        using var c = new USocket(af);
        c.Connect(l.GetSockName());
        (USocket conn, string host, int port) = l.Accept();
        using (conn)
        {
            Assert.Equal(Loopback.Host(af), host);
            Assert.Equal(c.GetSockName().Port, port);
            Assert.Null(conn.Timeout);
            conn.SendAll("hi");
            c.SetTimeout(Long);
            Wire.Equal("hi"u8.ToArray(), c.Read(2));
        }
    }

    [Fact]
    public void AfterETIMEDOUT_UdpRecvFromStillWorks()
    {
        using var a = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        using var b = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
        using var guard = new HangGuard(Long, a, b);
        b.Bind(("127.0.0.1", 0));
        b.SetTimeout(0.2);

        Loopback.Raises(Errno.ETIMEDOUT, () => b.RecvFrom(10));

        a.SendTo("dgram", b.GetSockName());
        (byte[] data, _) = b.RecvFrom(10);
        Assert.Equal("dgram", Encoding.ASCII.GetString(data));
    }

    [Fact]
    public void SwitchingModes_OnAConnectedSocket_TakesEffect()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);

        p.Client.SetTimeout(0);
        Loopback.Raises(Errno.EAGAIN, () => p.Client.Recv(1));
        p.Client.SetTimeout(0.1);
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Recv(1));
        p.Client.SetBlocking(false);
        Loopback.Raises(Errno.EAGAIN, () => p.Client.Recv(1));
        p.Client.SetTimeout(0.1);
        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.Recv(1));
    }
}
