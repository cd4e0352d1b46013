using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace Usock.Benchmarks;

/// <summary>
/// 1,024 lines of 64 bytes sent in one go, then read line by line: raw Socket.Receive one byte at a time
/// (the baseline, what MicroPython's unbuffered readline does), StreamReader over a NetworkStream, and Usock.
/// </summary>
[MemoryDiagnoser]
public class ReadLineBenchmarks
{
    private const int Lines = 1024;
    private Socket _rawClient = null!;
    private Socket _rawServer = null!;
    private StreamReader _reader = null!;
    private Socket _srClient = null!;
    private USocket _client = null!;
    private USocket _server = null!;
    private byte[] _block = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_rawClient, _rawServer) = Pairs.Raw();
        Socket srServer;
        (_srClient, srServer) = Pairs.Raw();
        _reader = new StreamReader(new NetworkStream(srServer, ownsSocket: true), Encoding.ASCII, false, 16 * 1024);
        (_client, _server) = Pairs.Usock();
        var sb = new StringBuilder();
        for (int i = 0; i < Lines; i++)
        {
            sb.Append(i.ToString("D10")).Append('x', 53).Append('\n');
        }

        _block = Encoding.ASCII.GetBytes(sb.ToString());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawClient.Dispose();
        _rawServer.Dispose();
        _reader.Dispose();
        _srClient.Dispose();
        _client.Close();
        _server.Close();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lines, Description = "raw Receive 1 byte at a time")]
    public int RawByteAtATime()
    {
        _rawClient.Send(_block);
        Span<byte> one = stackalloc byte[1];
        var line = new byte[128];
        int count = 0;
        for (int i = 0; i < Lines; i++)
        {
            int n = 0;
            while (true)
            {
                _rawServer.Receive(one);
                line[n++] = one[0];
                if (one[0] == (byte)'\n')
                {
                    break;
                }
            }

            count += line.AsSpan(0, n).ToArray().Length;
        }

        return count;
    }

    [Benchmark(OperationsPerInvoke = Lines, Description = "StreamReader.ReadLine over NetworkStream")]
    public int StreamReaderReadLine()
    {
        _srClient.Send(_block);
        int count = 0;
        for (int i = 0; i < Lines; i++)
        {
            count += _reader.ReadLine()!.Length;
        }

        return count;
    }

    [Benchmark(OperationsPerInvoke = Lines, Description = "USocket.ReadLine")]
    public int UsockReadLine()
    {
        _client.SendAll(_block);
        int count = 0;
        for (int i = 0; i < Lines; i++)
        {
            count += _server.ReadLine()!.Length;
        }

        return count;
    }
}
