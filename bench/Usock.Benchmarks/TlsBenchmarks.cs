using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;

namespace Usock.Benchmarks;

/// <summary>
/// TLS through <see cref="USslSocket"/> against the baseline it is built on: <see cref="SslStream"/> over a
/// <see cref="NetworkStream"/> on a raw socket, doing the same on loopback. One EC P-256 certificate, no verification
/// on either side, the system's TLS version (1.3).
/// </summary>
internal static class TlsPairs
{
    private static readonly Lazy<(string Cert, string Key)> Identity = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using X509Certificate2 cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    });

    private static readonly Lazy<X509Certificate2> ServerCert = new(() => X509Certificate2.CreateFromPem(Identity.Value.Cert, Identity.Value.Key));

    public static (SslStream Client, SslStream Server) Raw()
    {
        (Socket c, Socket s) = Pairs.Raw();
        var client = new SslStream(new NetworkStream(c, ownsSocket: true), false, (_, cert, _, _) => cert?.Subject == "CN=localhost"); // as unverified as USsl without ca
        var server = new SslStream(new NetworkStream(s, ownsSocket: true), false);
        Task serverSide = Task.Run(() => server.AuthenticateAsServer(new SslServerAuthenticationOptions { ServerCertificate = ServerCert.Value }));
        client.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        serverSide.GetAwaiter().GetResult();
        return (client, server);
    }

    public static (USslSocket Client, USslSocket Server) Usock()
    {
        (USocket c, USocket s) = Pairs.Usock();
        Task<USslSocket> serverSide = Task.Run(() => USsl.WrapSocket(s, key: Identity.Value.Key, cert: Identity.Value.Cert, serverSide: true));
        USslSocket client = USsl.WrapSocket(c, serverHostname: "localhost");
        return (client, serverSide.GetAwaiter().GetResult());
    }
}

/// <summary>64 B each way, one thread: the per-call cost of a TLS round trip (and the allocations per call).</summary>
[MemoryDiagnoser]
public class TlsPingPongBenchmarks
{
    private SslStream _rawClient = null!;
    private SslStream _rawServer = null!;
    private USslSocket _client = null!;
    private USslSocket _server = null!;
    private readonly byte[] _data = new byte[64];
    private readonly byte[] _buffer = new byte[64];

    [GlobalSetup]
    public void Setup()
    {
        (_rawClient, _rawServer) = TlsPairs.Raw();
        (_client, _server) = TlsPairs.Usock();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawClient.Dispose();
        _rawServer.Dispose();
        _client.Close();
        _server.Close();
    }

    [Benchmark(Baseline = true, Description = "SslStream/NetworkStream 64 B ping-pong")]
    public void Raw()
    {
        _rawClient.Write(_data);
        _rawServer.ReadExactly(_buffer);
        _rawServer.Write(_buffer);
        _rawClient.ReadExactly(_buffer);
    }

    [Benchmark(Description = "USslSocket Write+ReadInto 64 B ping-pong")]
    public void Usock()
    {
        _client.Write(_data);
        _server.ReadInto(_buffer);
        _server.Write(_buffer);
        _client.ReadInto(_buffer);
    }
}

/// <summary>1 MiB one way in 64 KiB writes, each read by the other side: bulk throughput (bytes / mean time).</summary>
[MemoryDiagnoser]
public class TlsBulkBenchmarks
{
    private const int Chunk = 64 * 1024;
    private const int Chunks = 16;
    private SslStream _rawClient = null!;
    private SslStream _rawServer = null!;
    private USslSocket _client = null!;
    private USslSocket _server = null!;
    private readonly byte[] _data = new byte[Chunk];
    private readonly byte[] _buffer = new byte[Chunk];

    [GlobalSetup]
    public void Setup()
    {
        (_rawClient, _rawServer) = TlsPairs.Raw();
        (_client, _server) = TlsPairs.Usock();
        Random.Shared.NextBytes(_data);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawClient.Dispose();
        _rawServer.Dispose();
        _client.Close();
        _server.Close();
    }

    [Benchmark(Baseline = true, Description = "SslStream/NetworkStream 1 MiB")]
    public void Raw()
    {
        for (int i = 0; i < Chunks; i++)
        {
            _rawClient.Write(_data);
            _rawServer.ReadExactly(_buffer);
        }
    }

    [Benchmark(Description = "USslSocket Write+ReadInto 1 MiB")]
    public void Usock()
    {
        for (int i = 0; i < Chunks; i++)
        {
            _client.Write(_data);
            _server.ReadInto(_buffer);
        }
    }
}

/// <summary>A new loopback connection and a full handshake (both sides), then close.</summary>
[MemoryDiagnoser]
public class TlsHandshakeBenchmarks
{
    [Benchmark(Baseline = true, Description = "SslStream/NetworkStream connect+handshake")]
    public void Raw()
    {
        (SslStream c, SslStream s) = TlsPairs.Raw();
        c.Dispose();
        s.Dispose();
    }

    [Benchmark(Description = "USsl.WrapSocket connect+handshake")]
    public void Usock()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Usock();
        c.Close();
        s.Close();
    }
}
