using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Usock.Benchmarks;

/// <summary>One poll over 5,000 registered sockets with one ready, against one raw Socket.Poll of a single socket.</summary>
[MemoryDiagnoser]
public class PollerBenchmarks
{
    private readonly List<USocket> _sockets = [];
    private Poller _poller = null!;
    private Socket _rawClient = null!;
    private Socket _rawServer = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        l.Bind(("127.0.0.1", 0));
        l.Listen(4096);
        _poller = USelect.Poll();
        for (int i = 0; i < 2500; i++)
        {
            var c = new USocket();
            c.Connect(l.GetSockName());
            _sockets.Add(c);
            _sockets.Add(l.Accept().Conn);
        }

        foreach (USocket s in _sockets)
        {
            _poller.Register(s, USelect.POLLIN);
        }

        _sockets[2001].Send("!"u8); // its peer, _sockets[2000], is readable and stays so (level-triggered)
        (_rawClient, _rawServer) = Pairs.Raw();
        _rawServer.Send(new byte[1]);
        Thread.Sleep(100);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _poller.Dispose();
        _sockets.ForEach(s => s.Close());
        _rawClient.Dispose();
        _rawServer.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw Socket.Poll(0) of one ready socket")]
    public bool RawPollOne() => _rawClient.Poll(0, SelectMode.SelectRead);

    [Benchmark(Description = "Poller.IPoll(0), 5,000 registered, 1 ready")]
    public int IPollFiveThousand()
    {
        int ready = 0;
        foreach ((USocket _, int events) in _poller.IPoll(0))
        {
            ready += events;
        }

        return ready;
    }
}

/// <summary>Async send and receive of 64 bytes: .NET's ValueTask socket methods against Usock's.</summary>
[MemoryDiagnoser]
public class AsyncBenchmarks
{
    private Socket _rawClient = null!;
    private Socket _rawServer = null!;
    private USocket _client = null!;
    private USocket _server = null!;
    private readonly byte[] _data = new byte[64];
    private readonly byte[] _buffer = new byte[64];

    [Params(false, true)]
    public bool WithTimeout { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_rawClient, _rawServer) = Pairs.Raw();
        (_client, _server) = Pairs.Usock();
        if (WithTimeout)
        {
            _client.SetTimeout(30);
            _server.SetTimeout(30);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawClient.Dispose();
        _rawServer.Dispose();
        _client.Close();
        _server.Close();
    }

    [Benchmark(Baseline = true, Description = "raw SendAsync+ReceiveAsync")]
    public async ValueTask<int> Raw()
    {
        await _rawClient.SendAsync(_data, SocketFlags.None);
        int got = 0;
        while (got < _buffer.Length)
        {
            got += await _rawServer.ReceiveAsync(_buffer.AsMemory(got), SocketFlags.None);
        }

        return got;
    }

    [Benchmark(Description = "USocket SendAllAsync+ReadIntoAsync")]
    public async ValueTask<int?> Usock()
    {
        await _client.SendAllAsync(_data);
        return await _server.ReadIntoAsync(_buffer);
    }

    [Benchmark(Description = "USocket SendAsync+RecvAsync")]
    public async ValueTask<int> UsockRecv()
    {
        await _client.SendAsync(_data);
        int got = 0;
        while (got < _data.Length)
        {
            got += (await _server.RecvAsync(_data.Length - got)).Length;
        }

        return got;
    }
}

/// <summary>
/// Async 64-byte ping-pong with an echo task on the other end: every receive really waits for readiness, so this
/// measures the async wait path (Usock's readiness engine against .NET's), not only calls that complete at once.
/// </summary>
[MemoryDiagnoser]
public class AsyncPingPongBenchmarks
{
    private Socket _rawClient = null!;
    private Socket _rawServer = null!;
    private USocket _client = null!;
    private USocket _server = null!;
    private readonly byte[] _data = new byte[64];
    private readonly byte[] _buffer = new byte[64];
    private Task _rawEcho = null!;
    private Task _usockEcho = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_rawClient, _rawServer) = Pairs.Raw();
        (_client, _server) = Pairs.Usock();
        _client.SetTimeout(30);
        _server.SetTimeout(30);
        _rawEcho = Task.Run(async () =>
        {
            byte[] b = new byte[64];
            while (true)
            {
                int n = await _rawServer.ReceiveAsync(b, SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                await _rawServer.SendAsync(b.AsMemory(0, n), SocketFlags.None);
            }
        });
        _usockEcho = Task.Run(async () =>
        {
            byte[] b = new byte[64];
            while (true)
            {
                int n = await _server.ReadIntoAsync(b) ?? 0;
                if (n == 0)
                {
                    return;
                }

                await _server.SendAllAsync(b.AsMemory(0, n));
            }
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawClient.Shutdown(SocketShutdown.Send);
        _client.Shutdown(USocket.SHUT_WR);
        _rawEcho.Wait(5000);
        _usockEcho.Wait(5000);
        _rawClient.Dispose();
        _rawServer.Dispose();
        _client.Close();
        _server.Close();
    }

    [Benchmark(Baseline = true, Description = "raw SendAsync+ReceiveAsync ping-pong")]
    public async ValueTask<int> Raw()
    {
        await _rawClient.SendAsync(_data, SocketFlags.None);
        int got = 0;
        while (got < _buffer.Length)
        {
            got += await _rawClient.ReceiveAsync(_buffer.AsMemory(got), SocketFlags.None);
        }

        return got;
    }

    [Benchmark(Description = "USocket SendAllAsync+ReadIntoAsync ping-pong")]
    public async ValueTask<int?> Usock()
    {
        await _client.SendAllAsync(_data);
        return await _client.ReadIntoAsync(_buffer);
    }
}
