using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Usock.Tests.Support;

/// <summary>
/// Certificates made in memory for the TLS tests (never files with private keys checked in): one CA, a server
/// certificate for <c>localhost</c> / 127.0.0.1 / ::1, a client certificate, and the broken ones (expired, not yet
/// valid, another host, another CA). Written to a temporary directory when an openssl process needs files.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly Lazy<TestPki> SharedPki = new(() => new TestPki());

    private TestPki()
    {
        Ca = MakeCa("Usock Test CA");
        OtherCa = MakeCa("Usock Other CA");
        Server = Issue(Ca, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), server: true);
        Client = Issue(Ca, "usock-client", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), server: false);
        Expired = Issue(Ca, "localhost", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1), server: true);
        NotYetValid = Issue(Ca, "localhost", DateTimeOffset.UtcNow.AddDays(2), DateTimeOffset.UtcNow.AddDays(30), server: true);
        WrongHost = Issue(Ca, "other.invalid", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), server: true);
        Untrusted = Issue(OtherCa, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), server: true);
        Directory = System.IO.Directory.CreateTempSubdirectory("usock-tls-").FullName;
    }

    /// <summary>One set for the whole run (making RSA keys costs time; EC P-256 keys are cheap, but one set is enough).</summary>
    public static TestPki Shared => SharedPki.Value;

    public Identity Ca { get; }

    public Identity OtherCa { get; }

    public Identity Server { get; }

    public Identity Client { get; }

    public Identity Expired { get; }

    public Identity NotYetValid { get; }

    public Identity WrongHost { get; }

    public Identity Untrusted { get; }

    /// <summary>Where <see cref="File"/> writes PEM files for openssl.</summary>
    public string Directory { get; }

    /// <summary>Writes <paramref name="pem"/> once under <see cref="Directory"/> and returns its path.</summary>
    public string File(string name, string pem)
    {
        string path = Path.Combine(Directory, name);
        lock (this)
        {
            if (!System.IO.File.Exists(path))
            {
                System.IO.File.WriteAllText(path, pem);
            }
        }

        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static Identity MakeCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        using X509Certificate2 cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-3650), DateTimeOffset.UtcNow.AddDays(3650));
        return new Identity(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), cert.RawData, key.ExportPkcs8PrivateKey());
    }

    private static Identity Issue(Identity issuer, string name, DateTimeOffset notBefore, DateTimeOffset notAfter, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name);
            if (name == "localhost")
            {
                san.AddIpAddress(IPAddress.Loopback);
                san.AddIpAddress(IPAddress.IPv6Loopback);
            }

            req.CertificateExtensions.Add(san.Build());
        }

        using X509Certificate2 issuerCert = X509Certificate2.CreateFromPem(issuer.CertPem, issuer.KeyPem);
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using X509Certificate2 cert = req.Create(issuerCert, notBefore, notAfter, serial);
        return new Identity(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), cert.RawData, key.ExportPkcs8PrivateKey());
    }

    /// <summary>A certificate and its key, as PEM text and as DER bytes.</summary>
    public sealed record Identity(string CertPem, string KeyPem, byte[] CertDer, byte[] KeyDer);
}
