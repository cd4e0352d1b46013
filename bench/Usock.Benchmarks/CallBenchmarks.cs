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
