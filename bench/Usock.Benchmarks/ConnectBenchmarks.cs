using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Usock.Benchmarks;

/// <summary>One connect + accept + close of both ends on loopback, in one thread: the per-connection cost of the
/// socket objects and calls (the loopback harness's connect scenario adds two processes and their scheduling).</summary>
[MemoryDiagnoser]
public class ConnectBenchmarks
{
    private Socket _rawListener = null!;
    private EndPoint _rawAddress = null!;
    private USocket _listener = null!;
    private (string Host, int Port) _address;

    [GlobalSetup]
    public void Setup()
    {
        _rawListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _rawListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _rawListener.Listen(512);
        _rawAddress = _rawListener.LocalEndPoint!;
        _listener = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER, UsocketProfile.Posix);
        _listener.Bind(("127.0.0.1", 0));
        _listener.Listen(512);
        _address = _listener.GetSockName();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawListener.Dispose();
        _listener.Close();
    }

    [Benchmark(Baseline = true, Description = "raw Socket Connect+Accept+Dispose")]
    public void Raw()
    {
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        c.Connect(_rawAddress);
        using Socket s = _rawListener.Accept();
    }

    [Benchmark(Description = "USocket Connect+Accept+Close")]
    public void Usock()
    {
        var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.Connect(_address);
        (USocket s, _, _) = _listener.Accept();
        s.Close();
        c.Close();
    }
}
