using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Usock.Benchmarks;

/// <summary>GetSocketSta against reading TCP_INFO with a raw socket.</summary>
[MemoryDiagnoser]
public class GetSocketStaBenchmarks
{
    private Socket _rawClient = null!;
    private Socket _rawServer = null!;
    private USocket _client = null!;
    private USocket _server = null!;
    private byte[] _info = new byte[8];

    [GlobalSetup]
    public void Setup()
    {
        (_rawClient, _rawServer) = Pairs.Raw();
        (_client, _server) = Pairs.Usock();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawClient.Dispose();
        _rawServer.Dispose();
        _client.Close();
        _server.Close();
    }

    [Benchmark(Baseline = true, Description = "raw GetRawSocketOption(TCP_INFO)")]
    public int Raw()
    {
        _rawClient.GetRawSocketOption(6, 11, _info);
        return _info[0];
    }

    [Benchmark(Description = "USocket.GetSocketSta")]
    public int GetSocketSta() => _client.GetSocketSta();
}

/// <summary>GetAddrInfo of an IP literal against parsing it with IPAddress.</summary>
[MemoryDiagnoser]
public class GetAddrInfoBenchmarks
{
    [Benchmark(Baseline = true, Description = "raw IPAddress.Parse + IPEndPoint")]
    public IPEndPoint Raw() => new(IPAddress.Parse("192.0.2.10"), 80);

    [Benchmark(Description = "raw Dns.GetHostAddresses(literal)")]
    public IPAddress[] RawDns() => Dns.GetHostAddresses("192.0.2.10");

    [Benchmark(Description = "USocket.GetAddrInfo(literal)")]
    public IReadOnlyList<AddrInfo> GetAddrInfo() => USocket.GetAddrInfo("192.0.2.10", 80);
}

/// <summary>
/// GetSocketSta of a socket whose connection was reset (TCP_INFO says CLOSE, so the kernel's table is asked) with
/// 4,000 other connections open: the cost must not follow the table's size.
/// </summary>
[MemoryDiagnoser]
public class GetSocketStaResetBenchmarks
{
    private readonly List<Socket> _crowd = [];
    private USocket _reset = null!;
    private Socket _listener = null!;

    [Params(0, 4000)]
    public int OpenConnections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
        for (int i = 0; i < OpenConnections / 2; i++)
        {
            var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            c.Connect(_listener.LocalEndPoint!);
            _crowd.Add(c);
            _crowd.Add(_listener.Accept());
        }

        var ep = (IPEndPoint)_listener.LocalEndPoint!;
        _reset = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        _reset.Connect(("127.0.0.1", ep.Port));
        using Socket server = _listener.Accept();
        _ = _reset.GetSocketSta(); // remembers both ends while connected
        server.LingerState = new LingerOption(true, 0);
        server.Close(); // RST
        while (_reset.GetSocketSta() != (int)TcpState.Closed)
        {
            Thread.Sleep(1);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reset.Close();
        _crowd.ForEach(s => s.Dispose());
        _listener.Dispose();
    }

    [Benchmark(Description = "USocket.GetSocketSta (reset socket)")]
    public int GetSocketSta() => _reset.GetSocketSta();
}
