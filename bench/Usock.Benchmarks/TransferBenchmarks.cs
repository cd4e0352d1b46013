using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Usock.Benchmarks;

/// <summary>Send then receive the same bytes over one loopback connection, in one thread: the per-call cost.</summary>
[MemoryDiagnoser]
public class SendRecvBenchmarks
{
    private Socket _rawClient = null!;
    private Socket _rawServer = null!;
    private USocket _client = null!;
    private USocket _server = null!;
    private byte[] _data = null!;
    private byte[] _buffer = null!;

    [Params(64, 4096, 65536)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_rawClient, _rawServer) = Pairs.Raw();
        (_client, _server) = Pairs.Usock();
        _data = new byte[Size];
        _buffer = new byte[Size];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawClient.Dispose();
        _rawServer.Dispose();
        _client.Close();
        _server.Close();
    }

    [Benchmark(Baseline = true, Description = "raw Socket Send+Receive")]
    public void Raw()
    {
        int sent = 0;
        while (sent < _data.Length)
        {
            sent += _rawClient.Send(_data.AsSpan(sent));
        }

        Pairs.ReceiveExactly(_rawServer, _buffer);
    }

    [Benchmark(Description = "USocket Send+RecvInto")]
    public void SendRecvInto()
    {
        int sent = 0;
        while (sent < _data.Length)
        {
            sent += _client.Send(_data.AsSpan(sent));
        }

        int got = 0;
        while (got < _buffer.Length)
        {
            got += _server.RecvInto(_buffer.AsSpan(got));
        }
    }

    [Benchmark(Description = "USocket Send+Recv(n)")]
    public int SendRecv()
    {
        int sent = 0;
        while (sent < _data.Length)
        {
            sent += _client.Send(_data.AsSpan(sent));
        }

        int got = 0;
        while (got < _data.Length)
        {
            got += _server.Recv(_data.Length - got).Length;
        }

        return got;
    }

    [Benchmark(Description = "USocket SendAll+ReadInto")]
    public int? SendAllReadInto()
    {
        _client.SendAll(_data);
        return _server.ReadInto(_buffer);
    }

    [Benchmark(Description = "USocket Write+ReadInto")]
    public int? WriteReadInto()
    {
        _client.Write(_data);
        return _server.ReadInto(_buffer);
    }
}
