using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Usock.Benchmarks;

/// <summary>One datagram sent to a loopback socket and received with its sender, in one thread: the per-call cost of
/// the datagram path (destination cache, implicit bind check, sender formatting), which the loopback harness's udp
/// scenario measures only through a round trip between two processes.</summary>
[MemoryDiagnoser]
public class DatagramBenchmarks
{
    private Socket _rawA = null!;
    private Socket _rawB = null!;
    private EndPoint _rawTo = null!;
    private EndPoint _rawFrom = null!;
    private USocket _a = null!;
    private USocket _b = null!;
    private (string Host, int Port) _to;
    private byte[] _data = null!;
    private byte[] _buffer = null!;

    [Params(64, 512)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _rawA = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _rawB = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _rawA.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _rawB.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _rawTo = _rawB.LocalEndPoint!;
        _rawFrom = new IPEndPoint(IPAddress.Any, 0);
        _a = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, UsocketProfile.Posix);
        _b = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, UsocketProfile.Posix);
        _a.Bind(("127.0.0.1", 0));
        _b.Bind(("127.0.0.1", 0));
        _to = _b.GetSockName();
        _data = new byte[Size];
        _buffer = new byte[Size];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawA.Dispose();
        _rawB.Dispose();
        _a.Close();
        _b.Close();
    }

    [Benchmark(Baseline = true, Description = "raw Socket SendTo+ReceiveFrom")]
    public int Raw()
    {
        _rawA.SendTo(_data, _rawTo);
        return _rawB.ReceiveFrom(_buffer, ref _rawFrom);
    }

    [Benchmark(Description = "USocket SendTo+RecvFrom")]
    public int SendToRecvFrom()
    {
        _a.SendTo(_data, _to);
        return _b.RecvFrom(Size).Bytes.Length;
    }
}
