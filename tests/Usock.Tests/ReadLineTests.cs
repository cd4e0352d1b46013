using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>readline()</c>: buffered lines, end of stream, non-blocking partial lines, timeouts that keep the partial
/// line, the line-length bound, and one read buffer shared with the other read methods.
/// </summary>
public class ReadLineTests
{
    private const double Long = Loopback.Patience;

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public async Task ReadLine_LineSplitAcrossSends_ReturnsWholeLines(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        Task sender = Task.Run(
            () =>
            {
                foreach (string piece in new[] { "hel", "lo\nwo", "r", "ld\n" })
                {
                    p.Server.SendAll(piece);
                    Thread.Sleep(30);
                }
            },
            TestContext.Current.CancellationToken);

        Assert.Equal("hello\n", Line(ReadLineIn(p.Client, mode)));
        Assert.Equal("world\n", Line(ReadLineIn(p.Client, mode)));
        await Wire.Done(sender);
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ReadLine_SeveralLinesInOneSend_ComeOutOneByOne(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, 0.3);
        p.Server.SendAll("a\nbb\n\nccc\n");
        Wire.WaitAvailable(p.Client, 10);

        Assert.Equal("a\n", Line(p.Client.ReadLine()));
        Assert.Equal("bb\n", Line(p.Client.ReadLine()));
        Assert.Equal("\n", Line(p.Client.ReadLine()));
        Assert.Equal("ccc\n", Line(p.Client.ReadLine()));
        switch (mode)
        {
            case Mode.NonBlocking:
                Assert.Null(p.Client.ReadLine());
                break;
            case Mode.Timeout:
                Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.ReadLine());
                break;
            default:
                break; // blocking would wait for the next line
        }
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ReadLine_EndOfStream_ReturnsRemainderThenEmpty(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SendAll("x\ntail");
        p.Server.Shutdown(USocket.SHUT_WR);
        Wire.WaitPeerFin(p.Client);

        Assert.Equal("x\n", Line(p.Client.ReadLine()));
        Assert.Equal("tail", Line(p.Client.ReadLine()));
        Assert.Equal("", Line(p.Client.ReadLine()));
        Assert.Equal("", Line(p.Client.ReadLine()));
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void ReadLine_EndOfStream_SameInBothProfiles(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SendAll("one\ntwo");
        p.Server.Shutdown(USocket.SHUT_WR);

        Assert.Equal("one\n", Line(p.Client.ReadLine()));
        Assert.Equal("two", Line(p.Client.ReadLine()));
        Assert.Equal("", Line(p.Client.ReadLine()));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadLine_NonBlockingPartialLine_ReturnsNull_AndKeepsItBuffered(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.SetBlocking(false);

        Assert.Null(p.Client.ReadLine());

        p.Server.SendAll("par");
        Wire.WaitAvailable(p.Client, 3);
        Assert.Null(p.Client.ReadLine());
        Assert.Null(p.Client.ReadLine());

        p.Server.SendAll("tial\nnext");
        Assert.Equal("partial\n", Line(Wire.Eventually(() => p.Client.ReadLine())));
        Assert.Null(p.Client.ReadLine());
        p.Server.SendAll("\n");
        Assert.Equal("next\n", Line(Wire.Eventually(() => p.Client.ReadLine())));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadLine_TimeoutPartWay_RaisesETIMEDOUT_AndKeepsThePartialLine(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.3);
        p.Server.SendAll("par");
        Wire.WaitAvailable(p.Client, 3);

        Loopback.Raises(Errno.ETIMEDOUT, () => p.Client.ReadLine());

        p.Server.SendAll("tial\n");
        Assert.Equal("partial\n", Line(p.Client.ReadLine()));
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public void ReadLine_LongerThanMaxLineLength_RaisesENOBUFS_AndBytesStayReadable(Mode mode)
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Client.MaxLineLength = 10;
        p.Server.SendAll("0123456789ABCDEF\nnext\n");
        Wire.WaitAvailable(p.Client, 22);

        Loopback.Raises(Errno.ENOBUFS, () => p.Client.ReadLine());
        Loopback.Raises(Errno.ENOBUFS, () => p.Client.ReadLine());

        Wire.Equal("0123456789ABCDEF\n"u8.ToArray(), p.Client.Read(17));
        Assert.Equal("next\n", Line(p.Client.ReadLine()));
    }

    [Theory]
    [MemberData(nameof(Loopback.Modes), MemberType = typeof(Loopback))]
    public void ReadLine_NoNewlineBeyondMaxLineLength_RaisesENOBUFS(Mode mode)
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Client.MaxLineLength = 8;
        byte[] data = Wire.Seq(20, 65);
        p.Server.SendAll(data);
        Wire.WaitAvailable(p.Client, 20);

        Loopback.Raises(Errno.ENOBUFS, () => p.Client.ReadLine());

        Wire.Equal(data, p.Client.Read(20));
    }

    [Fact]
    public void ReadLine_LineOfExactlyMaxLineLength_IsReturned()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Client.MaxLineLength = 5;
        p.Server.SendAll("abcd\nabcde\n");

        Assert.Equal("abcd\n", Line(p.Client.ReadLine()));
        Loopback.Raises(Errno.ENOBUFS, () => p.Client.ReadLine());
    }

    [Fact]
    public void ReadLine_RemainderOfExactlyMaxLineLengthAtEndOfStream_IsReturned()
    {
        // The bound is on what readline returns: a last line of MaxLineLength bytes without "\n" is within it.
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Client.MaxLineLength = 4;
        p.Server.SendAll("abcd");
        p.Server.Shutdown(USocket.SHUT_WR);

        Assert.Equal("abcd", Line(p.Client.ReadLine()));
        Assert.Equal("", Line(p.Client.ReadLine()));
    }

    [Fact]
    public void ReadLine_MaxLineLengthOne_ReturnsBareNewlines()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Client.MaxLineLength = 1;
        p.Server.SendAll("\n\nx\n");

        Assert.Equal("\n", Line(p.Client.ReadLine()));
        Assert.Equal("\n", Line(p.Client.ReadLine()));
        Loopback.Raises(Errno.ENOBUFS, () => p.Client.ReadLine());
        Wire.Equal("x\n"u8.ToArray(), p.Client.Read(2));
    }

    [Fact]
    public void ReadLine_MaxLineLengthIntMax_ReadsLinesAndRemainder()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Client.MaxLineLength = int.MaxValue;
        p.Server.SendAll("one\ntwo");
        p.Server.Shutdown(USocket.SHUT_WR);

        Assert.Equal("one\n", Line(p.Client.ReadLine()));
        Assert.Equal("two", Line(p.Client.ReadLine()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void MaxLineLength_BelowOne_Throws(int value)
    {
        using var s = new USocket();
        Assert.Throws<ArgumentOutOfRangeException>(() => s.MaxLineLength = value);
        Assert.Equal(USocket.DefaultMaxLineLength, s.MaxLineLength);
        s.MaxLineLength = 1;
        Assert.Equal(1, s.MaxLineLength);
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void ReadLine_InterleavedWithRecvReadReadInto_LosesNoByte(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        const string All = "line1\nABCDEFGH\nline3\nQRSTUVWXYZ";
        p.Server.SendAll(All);
        Wire.WaitAvailable(p.Client, All.Length);

        // One receive buffers the whole burst; every later call must take the buffered bytes first.
        Assert.Equal("line1\n", Line(p.Client.ReadLine()));
        Assert.Equal("ABC", Encoding.ASCII.GetString(p.Client.Recv(3)));
        Assert.Equal("DE", Line(p.Client.Read(2)));
        var buf = new byte[4];
        Assert.Equal(4, p.Client.ReadInto(buf));
        Assert.Equal("FGH\n", Encoding.ASCII.GetString(buf));
        Assert.Equal("line3\n", Line(p.Client.ReadLine()));
        Assert.Equal(2, p.Client.RecvInto(buf.AsSpan(0, 2)));
        Assert.Equal("QR", Encoding.ASCII.GetString(buf, 0, 2));
        Assert.Equal("STUVWXYZ", Line(p.Client.Read(8)));

        p.Server.SendAll("more\n");
        Assert.Equal("more\n", Line(ReadLineIn(p.Client, mode)));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void ReadLine_ThenRecvLargerThanBuffered_ReturnsBufferedPartOnly(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SendAll("head\nbody");
        Wire.WaitAvailable(p.Client, 9);

        Assert.Equal("head\n", Line(p.Client.ReadLine()));
        Assert.Equal("body", Encoding.ASCII.GetString(p.Client.Recv(100)));
        p.Server.SendAll("tail");
        Assert.Equal("tail", Encoding.ASCII.GetString(p.Client.Recv(100)));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public async Task ReadLine_TenThousandLinesInOneBurst_ReadBackInOrder(int af, Mode mode)
    {
        const int Lines = 10_000;
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p, 30);
        Loopback.Apply(p.Client, mode, Long);
        var text = new StringBuilder();
        for (int i = 0; i < Lines; i++)
        {
            text.Append("line ").Append(i).Append(' ').Append('x', i % 37).Append('\n');
        }

        byte[] burst = Encoding.ASCII.GetBytes(text.ToString());
        Task sender = Task.Run(() => p.Server.SendAll(burst), TestContext.Current.CancellationToken);

        for (int i = 0; i < Lines; i++)
        {
            string expected = $"line {i} {new string('x', i % 37)}\n";
            Assert.Equal(expected, Line(ReadLineIn(p.Client, mode)));
        }

        await Wire.Done(sender);
        p.Server.Shutdown(USocket.SHUT_WR);
        p.Client.SetTimeout(Long);
        Assert.Equal("", Line(p.Client.ReadLine()));
    }

    // One line in any mode: a blocking or timeout socket must return it in one call; a non-blocking one
    // may return null until the whole line is there, but never a part of it.
    private static byte[] ReadLineIn(USocket s, Mode mode)
    {
        byte[]? line = mode == Mode.NonBlocking ? Wire.Eventually(s.ReadLine) : s.ReadLine();
        Assert.NotNull(line);
        return line;
    }

    private static string Line(byte[]? line)
    {
        Assert.NotNull(line);
        return Encoding.ASCII.GetString(line);
    }
}
