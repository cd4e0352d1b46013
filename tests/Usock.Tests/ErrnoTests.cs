using System.Net.Sockets;
using System.Reflection;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>The errno table: numbers and names as the spec lists them, the SocketError mapping, the message format.</summary>
public class ErrnoTests
{
    public static TheoryData<SocketError> AllSocketErrors => new(Enum.GetValues<SocketError>());

    [Theory]
    [InlineData("EPERM", 1)]
    [InlineData("ENOENT", 2)]
    [InlineData("EBADF", 9)]
    [InlineData("EAGAIN", 11)]
    [InlineData("ENOMEM", 12)]
    [InlineData("EACCES", 13)]
    [InlineData("EEXIST", 17)]
    [InlineData("EINVAL", 22)]
    [InlineData("ENFILE", 23)]
    [InlineData("EADDRINUSE", 98)]
    [InlineData("ECONNABORTED", 103)]
    [InlineData("ECONNRESET", 104)]
    [InlineData("ENOBUFS", 105)]
    [InlineData("EISCONN", 106)]
    [InlineData("ENOTCONN", 107)]
    [InlineData("ETIMEDOUT", 110)]
    [InlineData("ECONNREFUSED", 111)]
    [InlineData("EHOSTUNREACH", 113)]
    [InlineData("EALREADY", 114)]
    [InlineData("EINPROGRESS", 115)]
    public void SpecErrno_HasValueAndName(string name, int value)
    {
        FieldInfo? field = typeof(Errno).GetField(name, BindingFlags.Public | BindingFlags.Static);
        Assert.NotNull(field);
        Assert.True(field.IsLiteral);
        Assert.Equal(value, (int)field.GetRawConstantValue()!);
        Assert.Equal(name, Errno.Name(value));
        Assert.Equal(name, Errno.All[value]);
    }

    [Theory]
    [InlineData("ENOPROTOOPT", 92)]
    [InlineData("EPROTONOSUPPORT", 93)]
    [InlineData("EOPNOTSUPP", 95)]
    [InlineData("EAI_NONAME", -2)]
    public void ErrnoUsedByProfilesAndConstructor_HasValueAndName(string name, int value)
    {
        Assert.Equal(value, (int)typeof(Errno).GetField(name)!.GetRawConstantValue()!);
        Assert.Equal(name, Errno.Name(value));
    }

    [Fact]
    public void DeviceLookupFailure_IsMinus202()
    {
        Assert.Equal(-202, Errno.LWIP_EAI_FAIL);
        Assert.NotNull(Errno.Name(-202));
    }

    [Fact]
    public void Name_OfUnknownErrno_IsNull()
    {
        Assert.Null(Errno.Name(12345));
    }

    [Theory]
    [MemberData(nameof(AllSocketErrors))]
    public void EverySocketError_IsMappedOrListedAsUnmapped(SocketError error)
    {
        int errno = Errno.FromSocketError(error);
        bool unmapped = Errno.UnmappedSocketErrors.Contains(error);
        if (error == SocketError.Success)
        {
            Assert.Equal(0, errno);
            Assert.False(unmapped);
        }
        else if (unmapped)
        {
            Assert.Equal(Errno.EIO, errno);
        }
        else
        {
            Assert.NotEqual(Errno.EIO, errno);
            Assert.NotEqual(0, errno);
            Assert.True(Errno.Name(errno) is not null, $"{error} maps to errno {errno}, which has no name");
        }
    }

    [Theory]
    [InlineData(SocketError.TimedOut, Errno.ETIMEDOUT)]
    [InlineData(SocketError.WouldBlock, Errno.EAGAIN)]
    [InlineData(SocketError.ConnectionRefused, Errno.ECONNREFUSED)]
    [InlineData(SocketError.ConnectionReset, Errno.ECONNRESET)]
    [InlineData(SocketError.AddressAlreadyInUse, Errno.EADDRINUSE)]
    [InlineData(SocketError.IsConnected, Errno.EISCONN)]
    [InlineData(SocketError.NotConnected, Errno.ENOTCONN)]
    [InlineData(SocketError.AlreadyInProgress, Errno.EALREADY)]
    [InlineData(SocketError.InProgress, Errno.EINPROGRESS)]
    [InlineData(SocketError.InvalidArgument, Errno.EINVAL)]
    [InlineData(SocketError.HostUnreachable, Errno.EHOSTUNREACH)]
    [InlineData(SocketError.ConnectionAborted, Errno.ECONNABORTED)]
    [InlineData(SocketError.NoBufferSpaceAvailable, Errno.ENOBUFS)]
    [InlineData(SocketError.AccessDenied, Errno.EACCES)]
    [InlineData(SocketError.OperationAborted, Errno.EBADF)]
    public void FromSocketError_MapsTheCommonErrors(SocketError error, int errno)
    {
        Assert.Equal(errno, Errno.FromSocketError(error));
    }

    [Fact]
    public void UnmappedSocketErrors_HasNoDuplicates_AndIncludesTheCatchAll()
    {
        Assert.Contains(SocketError.SocketError, Errno.UnmappedSocketErrors);
        Assert.Equal(Errno.UnmappedSocketErrors.Length, Errno.UnmappedSocketErrors.Distinct().Count());
    }

    [Fact]
    public void Message_ReadsLikeTheModule()
    {
        var e = new UsocketException(Errno.ETIMEDOUT);
        Assert.Equal("[Errno 110] ETIMEDOUT", e.Message);
        Assert.Equal(110, e.Errno);
        Assert.Equal("ETIMEDOUT", e.ErrnoName);
    }

    [Fact]
    public void Message_WithDetail_AppendsIt()
    {
        var inner = new InvalidOperationException("x");
        var e = new UsocketException(Errno.EINVAL, "bad", inner);
        Assert.Equal("[Errno 22] EINVAL: bad", e.Message);
        Assert.Same(inner, e.InnerException);
    }

    [Fact]
    public void NegativeErrno_FormatsWithTheSign()
    {
        var e = new UsocketException(Errno.EAI_NONAME);
        Assert.Equal("[Errno -2] EAI_NONAME", e.Message);
        Assert.Equal("EAI_NONAME", e.ErrnoName);
    }

    [Fact]
    public void UnnamedErrno_HasNullName()
    {
        var e = new UsocketException(12345);
        Assert.Null(e.ErrnoName);
        Assert.StartsWith("[Errno 12345] ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsocketException_IsAnIOException()
    {
        IOException e = new UsocketException(Errno.EAGAIN);
        Assert.IsType<UsocketException>(e);
    }

    [Fact]
    public void DefaultConstructors_CarryEio()
    {
        Assert.Equal(Errno.EIO, new UsocketException().Errno);
        Assert.Equal(Errno.EIO, new UsocketException("m").Errno);
        Assert.Equal(Errno.EIO, new UsocketException("m", new InvalidOperationException()).Errno);
    }

    [Fact]
    public void RaisedByASocket_MessageIsExactlyErrnoAndName()
    {
        using USocket l = Loopback.Listener();
        l.SetBlocking(false);
        UsocketException e = Loopback.Raises(Errno.EAGAIN, () => l.Accept());
        Assert.Equal("[Errno 11] EAGAIN", e.Message);
        Assert.Equal("EAGAIN", e.ErrnoName);
    }

    [Fact]
    public void ClosedSocket_RaisesEbadf()
    {
        var s = new USocket();
        s.Close();
        UsocketException e = Loopback.Raises(Errno.EBADF, () => s.Listen());
        Assert.Equal("[Errno 9] EBADF", e.Message);
    }
}
