using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The public shape the spec fixes: every constant with the firmware's value, the TCP state numbering, and every
/// member of the module's table and of the extensions with its C# signature.
/// </summary>
public class ApiSurfaceTests
{
    private const BindingFlags PublicInstance = BindingFlags.Public | BindingFlags.Instance;
    private const BindingFlags PublicStatic = BindingFlags.Public | BindingFlags.Static;

    private static readonly Type Address = typeof(ValueTuple<string, int>);

    [Theory]
    [InlineData("AF_INET", 2)]
    [InlineData("AF_INET6", 10)]
    [InlineData("SOCK_STREAM", 1)]
    [InlineData("SOCK_DGRAM", 2)]
    [InlineData("SOCK_RAW", 3)]
    [InlineData("IPPROTO_IP", 0)]
    [InlineData("IPPROTO_TCP", 6)]
    [InlineData("IPPROTO_UDP", 17)]
    [InlineData("IPPROTO_TCP_SER", 7)]
    [InlineData("TCP_CUSTOMIZE_PORT", 8)]
    [InlineData("SOL_SOCKET", 4095)]
    [InlineData("SO_REUSEADDR", 4)]
    [InlineData("TCP_KEEPALIVE", 2)]
    [InlineData("SHUT_RD", 0)]
    [InlineData("SHUT_WR", 1)]
    [InlineData("SHUT_RDWR", 2)]
    public void Constant_HasTheFirmwareValue(string name, int value)
    {
        FieldInfo? field = typeof(USocket).GetField(name, PublicStatic);
        Assert.NotNull(field);
        Assert.True(field.IsLiteral, $"{name} should be a const");
        Assert.Equal(typeof(int), field.FieldType);
        Assert.Equal(value, (int)field.GetRawConstantValue()!);
    }

    [Theory]
    [InlineData(TcpState.Closed, 0)]
    [InlineData(TcpState.Listen, 1)]
    [InlineData(TcpState.SynSent, 2)]
    [InlineData(TcpState.SynRcvd, 3)]
    [InlineData(TcpState.Established, 4)]
    [InlineData(TcpState.FinWait1, 5)]
    [InlineData(TcpState.FinWait2, 6)]
    [InlineData(TcpState.CloseWait, 7)]
    [InlineData(TcpState.Closing, 8)]
    [InlineData(TcpState.LastAck, 9)]
    [InlineData(TcpState.TimeWait, 10)]
    public void TcpState_HasLwipNumbering(TcpState state, int value)
    {
        Assert.Equal(value, (int)state);
    }

    [Fact]
    public void TcpState_HasExactlyElevenStates()
    {
        Assert.Equal(Enumerable.Range(0, 11), Enum.GetValues<TcpState>().Select(s => (int)s).Order());
    }

    [Fact]
    public void USocket_IsSealedAndDisposable()
    {
        Assert.True(typeof(USocket).IsSealed);
        Assert.True(typeof(IDisposable).IsAssignableFrom(typeof(USocket)));
        Assert.Equal("Usock", typeof(USocket).Namespace);
    }

    [Fact]
    public void Constructor_HasTheModuleDefaults()
    {
        ConstructorInfo? ctor = typeof(USocket).GetConstructor([typeof(int), typeof(int), typeof(int)]);
        Assert.NotNull(ctor);
        ParameterInfo[] ps = ctor.GetParameters();
        Assert.Equal(["af", "type", "proto"], ps.Select(p => p.Name));
        Assert.All(ps, p => Assert.True(p.HasDefaultValue, p.Name));
        Assert.Equal([USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP], ps.Select(p => (int)p.DefaultValue!));
    }

    [Fact]
    public void Constructor_WithProfile_Exists()
    {
        Assert.NotNull(typeof(USocket).GetConstructor([typeof(int), typeof(int), typeof(int), typeof(UsocketProfile)]));
    }

    [Fact]
    public void GetAddrInfo_IsStatic_ReturnsReadOnlyListOfAddrInfo()
    {
        MethodInfo m = Method("GetAddrInfo", PublicStatic, typeof(string), typeof(int));
        Assert.Equal(typeof(IReadOnlyList<AddrInfo>), m.ReturnType);
        Assert.Equal(["host", "port"], m.GetParameters().Select(p => p.Name));
    }

    [Theory]
    [InlineData("Bind")]
    [InlineData("Connect")]
    public void AddressMethods_TakeHostPortTupleAndEndPoint(string name)
    {
        MethodInfo tuple = Method(name, PublicInstance, Address);
        Assert.Equal(typeof(void), tuple.ReturnType);
        Assert.Equal(["Host", "Port"], TupleNames(tuple.GetParameters()[0]));
        Assert.Equal(typeof(void), Method(name, PublicInstance, typeof(IPEndPoint)).ReturnType);
    }

    [Fact]
    public void Listen_HasBacklogDefaultFive()
    {
        ParameterInfo backlog = Assert.Single(Method("Listen", PublicInstance, typeof(int)).GetParameters());
        Assert.Equal("backlog", backlog.Name);
        Assert.True(backlog.HasDefaultValue);
        Assert.Equal(5, backlog.DefaultValue);
    }

    [Fact]
    public void Accept_ReturnsThreeTuple()
    {
        MethodInfo m = Method("Accept", PublicInstance);
        Assert.Equal(typeof(ValueTuple<USocket, string, int>), m.ReturnType);
        Assert.Equal(["Conn", "Address", "Port"], TupleNames(m.ReturnParameter));
    }

    [Fact]
    public void Read_HasOptionalSize_ReturnsNullableBytes()
    {
        MethodInfo m = Method("Read", PublicInstance, typeof(int));
        Assert.Equal(typeof(byte[]), m.ReturnType);
        Assert.Equal(NullabilityState.Nullable, new NullabilityInfoContext().Create(m.ReturnParameter).ReadState);
        ParameterInfo size = Assert.Single(m.GetParameters());
        Assert.Equal("size", size.Name);
        Assert.Equal(-1, size.DefaultValue);
    }

    [Fact]
    public void ReadInto_TakesSpanAndOptionalCount_ReturnsNullableInt()
    {
        MethodInfo m = Method("ReadInto", PublicInstance, typeof(Span<byte>), typeof(int));
        Assert.Equal(typeof(int?), m.ReturnType);
        Assert.Equal(-1, m.GetParameters()[1].DefaultValue);
        Assert.Equal(typeof(int?), Method("ReadInto", PublicInstance, typeof(byte[]), typeof(int)).ReturnType);
    }

    [Fact]
    public void ReadLine_ReturnsNullableBytes()
    {
        MethodInfo m = Method("ReadLine", PublicInstance);
        Assert.Equal(typeof(byte[]), m.ReturnType);
        Assert.Equal(NullabilityState.Nullable, new NullabilityInfoContext().Create(m.ReturnParameter).ReadState);
    }

    [Fact]
    public void Write_ReturnsNullableInt()
    {
        Assert.Equal(typeof(int?), Method("Write", PublicInstance, typeof(ReadOnlySpan<byte>)).ReturnType);
    }

    [Theory]
    [InlineData(typeof(ReadOnlySpan<byte>))]
    [InlineData(typeof(byte[]))]
    [InlineData(typeof(string))]
    public void Send_HasSpanArrayAndStringOverloads_ReturningInt(Type data)
    {
        Assert.Equal(typeof(int), Method("Send", PublicInstance, data).ReturnType);
    }

    [Fact]
    public void SendAll_TakesSpan_ReturnsVoid()
    {
        Assert.Equal(typeof(void), Method("SendAll", PublicInstance, typeof(ReadOnlySpan<byte>)).ReturnType);
    }

    [Fact]
    public void SendTo_TakesSpanAndAddress_ReturnsInt()
    {
        MethodInfo m = Method("SendTo", PublicInstance, typeof(ReadOnlySpan<byte>), Address);
        Assert.Equal(typeof(int), m.ReturnType);
        Assert.Equal(["Host", "Port"], TupleNames(m.GetParameters()[1]));
    }

    [Fact]
    public void Recv_ReturnsNonNullBytes()
    {
        MethodInfo m = Method("Recv", PublicInstance, typeof(int));
        Assert.Equal(typeof(byte[]), m.ReturnType);
        Assert.Equal(NullabilityState.NotNull, new NullabilityInfoContext().Create(m.ReturnParameter).ReadState);
        Assert.Equal("bufsize", m.GetParameters()[0].Name);
    }

    [Fact]
    public void RecvFrom_ReturnsBytesAndSender()
    {
        MethodInfo m = Method("RecvFrom", PublicInstance, typeof(int));
        Assert.Equal(typeof(ValueTuple<byte[], ValueTuple<string, int>>), m.ReturnType);
        Assert.Equal(["Bytes", "Address", "Host", "Port"], TupleNames(m.ReturnParameter));
    }

    [Theory]
    [InlineData("Close")]
    [InlineData("Dispose")]
    public void CloseAndDispose_AreVoid(string name)
    {
        Assert.Equal(typeof(void), Method(name, PublicInstance).ReturnType);
    }

    [Theory]
    [InlineData(typeof(int))]
    [InlineData(typeof(ReadOnlySpan<byte>))]
    public void SetSockOpt_TakesIntOrBytes(Type value)
    {
        Assert.Equal(typeof(void), Method("SetSockOpt", PublicInstance, typeof(int), typeof(int), value).ReturnType);
    }

    [Fact]
    public void SetBlockingAndSetTimeout_HaveTheModuleTypes()
    {
        Assert.Equal(typeof(void), Method("SetBlocking", PublicInstance, typeof(bool)).ReturnType);
        Assert.Equal(typeof(void), Method("SetTimeout", PublicInstance, typeof(double?)).ReturnType);
    }

    [Fact]
    public void MakeFile_DefaultsToRb_ReturnsStream()
    {
        MethodInfo m = Method("MakeFile", PublicInstance, typeof(string));
        Assert.Equal(typeof(Stream), m.ReturnType);
        Assert.Equal("rb", m.GetParameters()[0].DefaultValue);
    }

    [Fact]
    public void GetSocketSta_ReturnsInt()
    {
        Assert.Equal(typeof(int), Method("GetSocketSta", PublicInstance).ReturnType);
    }

    [Fact]
    public void Extensions_ShutdownRecvIntoSockNamePeerName()
    {
        Assert.Equal(typeof(void), Method("Shutdown", PublicInstance, typeof(int)).ReturnType);
        Assert.Equal(typeof(int), Method("RecvInto", PublicInstance, typeof(Span<byte>)).ReturnType);
        Assert.Equal(Address, Method("GetSockName", PublicInstance).ReturnType);
        Assert.Equal(Address, Method("GetPeerName", PublicInstance).ReturnType);
        Assert.Equal(["Host", "Port"], TupleNames(Method("GetPeerName", PublicInstance).ReturnParameter));
    }

    [Fact]
    public void DefaultProfile_IsStaticGetterSetter()
    {
        PropertyInfo? p = typeof(USocket).GetProperty("DefaultProfile", PublicStatic);
        Assert.NotNull(p);
        Assert.Equal(typeof(UsocketProfile), p.PropertyType);
        Assert.NotNull(p.GetMethod);
        Assert.NotNull(p.SetMethod);
    }

    [Fact]
    public void AddrInfo_IsRecordStruct_DeconstructingIntoFiveFields()
    {
        Assert.True(typeof(AddrInfo).IsValueType);
        var info = new AddrInfo(USocket.AF_INET, USocket.SOCK_STREAM, 0, "h", ("127.0.0.1", 80));
        (int family, int type, int proto, string canon, (string host, int port)) = info;
        Assert.Equal(USocket.AF_INET, family);
        Assert.Equal(USocket.SOCK_STREAM, type);
        Assert.Equal(0, proto);
        Assert.Equal("h", canon);
        Assert.Equal("127.0.0.1", host);
        Assert.Equal(80, port);
        Assert.Equal(info, info with { });
        MethodInfo deconstruct = Assert.Single(typeof(AddrInfo).GetMethods(PublicInstance), m => m.Name == "Deconstruct");
        Assert.Equal(5, deconstruct.GetParameters().Length);
    }

    [Fact]
    public void UsocketException_IsIOException_WithErrno()
    {
        Assert.True(typeof(IOException).IsAssignableFrom(typeof(UsocketException)));
        Assert.Equal(typeof(int), typeof(UsocketException).GetProperty("Errno")?.PropertyType);
    }

    [Fact]
    public void Profiles_AreQuecPythonAndPosix()
    {
        Assert.Equal([UsocketProfile.QuecPython, UsocketProfile.Posix], Enum.GetValues<UsocketProfile>());
        Assert.Equal(0, (int)UsocketProfile.QuecPython);
    }

    private static MethodInfo Method(string name, BindingFlags flags, params Type[] parameters)
    {
        MethodInfo? m = typeof(USocket).GetMethod(name, flags, parameters);
        Assert.True(m is not null, $"USocket.{name}({string.Join(", ", parameters.Select(p => p.Name))}) is missing");
        return m;
    }

    private static string?[] TupleNames(ParameterInfo p) =>
        p.GetCustomAttribute<TupleElementNamesAttribute>()?.TransformNames.ToArray() ?? [];
}
