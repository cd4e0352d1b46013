using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>makefile(mode)</c>: a Stream over the socket's own read buffer and timeout.</summary>
public class MakeFileTests
{
    private const double Long = Loopback.Patience;

    [Fact]
    public void MakeFile_DefaultAndRb_AreReadOnly()
    {
        using Pair p = Loopback.Connected();
        using Stream byDefault = p.Client.MakeFile();
        using Stream rb = p.Client.MakeFile("rb");

        foreach (Stream f in new[] { byDefault, rb })
        {
            Assert.True(f.CanRead);
            Assert.False(f.CanWrite);
            Assert.False(f.CanSeek);
            Assert.Throws<NotSupportedException>(() => f.Write([1]));
        }
    }

    [Fact]
    public void MakeFile_Wb_IsWriteOnly()
    {
        using Pair p = Loopback.Connected();
        using Stream wb = p.Client.MakeFile("wb");

        Assert.False(wb.CanRead);
        Assert.True(wb.CanWrite);
        Assert.Throws<NotSupportedException>(() => wb.ReadByte());
    }

    [Theory]
    [InlineData("r")]
    [InlineData("w")]
    [InlineData("rw")]
    [InlineData("rwb")]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("RB")]
    [InlineData("rb ")]
    public void MakeFile_OtherMode_ThrowsArgumentException(string mode)
    {
        using Pair p = Loopback.Connected();
        var e = Assert.Throws<ArgumentException>(() => p.Client.MakeFile(mode));
        Assert.Equal("mode", e.ParamName);
    }

    [Fact]
    public void MakeFile_NullMode_ThrowsArgumentNull()
    {
        using Pair p = Loopback.Connected();
        Assert.Throws<ArgumentNullException>(() => p.Client.MakeFile(null!));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void Rb_ReadsWhatThePeerSent(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        using Stream f = p.Client.MakeFile("rb");
        p.Server.SendAll("stream data");
        Wire.WaitAvailable(p.Client, 11);

        var buf = new byte[64];
        int n = f.Read(buf, 0, buf.Length);

        Assert.Equal("stream data", Encoding.ASCII.GetString(buf, 0, n));
    }

    [Theory]
    [MemberData(nameof(Loopback.FamiliesAndModes), MemberType = typeof(Loopback))]
    public void Wb_WritesToThePeer(int af, Mode mode)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        Loopback.Apply(p.Client, mode, Long);
        p.Server.SetTimeout(Long);
        using (Stream f = p.Client.MakeFile("wb"))
        {
            f.Write("abc"u8);
            f.Write(new byte[] { 9, 8, 7 }, 1, 2);
            f.WriteByte(0x42);
            f.Flush();
        }

        Wire.Equal([.. "abc"u8, 8, 7, 0x42], p.Server.Read(6));
    }

    [Fact]
    public async Task Wb_LargeWrite_AllArrives()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p, 30);
        p.Server.SetTimeout(Long);
        byte[] data = Wire.RandomBytes(3 * 1024 * 1024);
        Task<byte[]> reader = Task.Run(() => Wire.ReadExactly(p.Server, data.Length), TestContext.Current.CancellationToken);

        using (Stream f = p.Client.MakeFile("wb"))
        {
            f.Write(data);
        }

        byte[] got = await reader.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(Wire.Hash(data), Wire.Hash(got));
    }

    [Fact]
    public void DisposingTheStream_LeavesTheSocketOpen()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.MakeFile("rb").Dispose();
        p.Client.MakeFile("wb").Dispose();

        Assert.False(p.Client.IsClosed);
        Assert.Equal((int)TcpState.Established, p.Client.GetSocketSta());
        p.Client.SendAll("still here");
        p.Server.SetTimeout(Long);
        Wire.Equal("still here"u8.ToArray(), p.Server.Read(10));
        p.Server.SendAll("back");
        p.Client.SetTimeout(Long);
        Wire.Equal("back"u8.ToArray(), p.Client.Read(4));
    }

    [Fact]
    public void DisposedStream_ThrowsObjectDisposed_ButSocketWorks()
    {
        using Pair p = Loopback.Connected();
        Stream f = p.Client.MakeFile("rb");
        f.Dispose();

        Assert.Throws<ObjectDisposedException>(() => f.Read(new byte[1], 0, 1));
        Assert.False(f.CanRead);
        Assert.Equal(1, p.Client.Send("x"));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Rb_SharesTheReadBufferWithReadLine(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SendAll("first\nsecond\nthird");
        Wire.WaitAvailable(p.Client, 18);

        Assert.Equal("first\n"u8.ToArray(), p.Client.ReadLine());
        using Stream f = p.Client.MakeFile("rb");
        var buf = new byte[64];
        int n = f.Read(buf);

        // Everything ReadLine buffered comes out first (and, nothing else being there, is all that comes).
        Assert.Equal("second\nthird", Encoding.ASCII.GetString(buf, 0, n));
        p.Server.SendAll("!");
        Assert.Equal(1, f.Read(buf, 0, 1));
        Assert.Equal((byte)'!', buf[0]);
    }

    [Fact]
    public void Rb_PartialReadsFromBuffer_ThenReadLineContinues()
    {
        using Pair p = Loopback.Connected();
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SendAll("abcdef\nline2\n");
        Wire.WaitAvailable(p.Client, 13);
        Assert.Equal("abcdef\n"u8.ToArray(), p.Client.ReadLine());
        using Stream f = p.Client.MakeFile();

        Assert.Equal((int)'l', f.ReadByte());
        Assert.Equal("ine2\n"u8.ToArray(), p.Client.ReadLine());
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Rb_NonBlockingNothingThere_RaisesEAGAIN_AsIOException(int af)
    {
        using Pair p = Loopback.Connected(af);
        p.Client.SetBlocking(false);
        using Stream f = p.Client.MakeFile("rb");

        var e = Assert.ThrowsAny<IOException>(() => f.Read(new byte[8], 0, 8));

        var u = Assert.IsType<UsocketException>(e);
        Assert.Equal(Errno.EAGAIN, u.Errno);
        p.Server.SendAll("ok");
        Wire.WaitAvailable(p.Client, 2);
        Assert.Equal(2, f.Read(new byte[8], 0, 8));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void Rb_TimeoutNothingThere_RaisesETIMEDOUT(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(0.2);
        using Stream f = p.Client.MakeFile("rb");
        Assert.True(f.CanTimeout);
        Assert.Equal(200, f.ReadTimeout);

        var e = Assert.ThrowsAny<IOException>(() => f.Read(new byte[8], 0, 8));

        Assert.Equal(Errno.ETIMEDOUT, Assert.IsType<UsocketException>(e).Errno);
        p.Server.SendAll("ok");
        Assert.Equal(2, f.Read(new byte[8], 0, 8));
    }

    [Theory]
    [MemberData(nameof(Loopback.Families), MemberType = typeof(Loopback))]
    public void StreamReaderOverRb_ReadsLines(int af)
    {
        using Pair p = Loopback.Connected(af);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SendAll("alpha\r\nbeta\ngamma");
        p.Server.Shutdown(USocket.SHUT_WR);

        using var reader = new StreamReader(p.Client.MakeFile("rb"), Encoding.UTF8);

        Assert.Equal("alpha", reader.ReadLine());
        Assert.Equal("beta", reader.ReadLine());
        Assert.Equal("gamma", reader.ReadLine());
        Assert.Null(reader.ReadLine());
        Assert.False(p.Client.IsClosed);
    }

    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void Rb_EndOfStream_ReadReturnsZero(UsocketProfile profile)
    {
        using Pair p = Loopback.Connected(USocket.AF_INET, profile);
        using var guard = HangGuard.For(p);
        p.Client.SetTimeout(Long);
        p.Server.SendAll("xy");
        p.Server.Shutdown(USocket.SHUT_WR);
        using Stream f = p.Client.MakeFile("rb");
        var buf = new byte[8];

        using var copy = new MemoryStream();
        f.CopyTo(copy);

        Assert.Equal("xy"u8.ToArray(), copy.ToArray());
        Assert.Equal(0, f.Read(buf, 0, buf.Length));
        Assert.Equal(0, f.Read(buf));
        Assert.Equal(-1, f.ReadByte());
    }

    [Fact]
    public void Rb_ReadTimeoutSetter_ChangesTheSocketTimeout()
    {
        using Pair p = Loopback.Connected();
        using Stream f = p.Client.MakeFile("rb");

        f.ReadTimeout = 1500;
        Assert.Equal(1.5, p.Client.Timeout);
        f.ReadTimeout = System.Threading.Timeout.Infinite;
        Assert.Null(p.Client.Timeout);
        Assert.Equal(System.Threading.Timeout.Infinite, f.ReadTimeout);
    }
}
