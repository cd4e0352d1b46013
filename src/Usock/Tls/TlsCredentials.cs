using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Usock;

/// <summary>Turns the module's <c>ca</c> / <c>key</c> / <c>cert</c> data into certificates, with the device's words
/// for bad data (<c>invalid key</c>, <c>invalid cert</c>, <c>invalid ca</c>).</summary>
internal static class TlsCredentials
{
    private static readonly byte[] PemMarker = "-----BEGIN"u8.ToArray();

    public static X509Certificate2Collection? LoadCa(USslData? ca)
    {
        if (ca is not USslData data)
        {
            return null;
        }

        var result = new X509Certificate2Collection();
        try
        {
            if (IsPem(data.Bytes.Span))
            {
                result.ImportFromPem(Text(data.Bytes.Span));
            }
            else
            {
                result.Add(X509CertificateLoader.LoadCertificate(data.Bytes.Span));
            }
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("invalid ca", nameof(ca), e);
        }

        return result.Count > 0 ? result : throw new ArgumentException("invalid ca", nameof(ca));
    }

    // A server wraps every accepted connection with the same cert and key: parse them once. Keyed by a digest of
    // the data; a handful of identities at most, so a full cache simply starts over.
    private const int IdentityCacheSize = 16;
    private static readonly Dictionary<string, X509Certificate2> Identities = [];
    private static readonly Lock IdentitiesGate = new();

    /// <summary>The certificate with its private key (shared: callers must not dispose it), or null when neither is given.</summary>
    public static X509Certificate2? LoadIdentity(USslData? cert, USslData? key)
    {
        if (cert is null && key is null)
        {
            return null;
        }

        string id = Digest(cert, key);
        lock (IdentitiesGate)
        {
            if (Identities.TryGetValue(id, out X509Certificate2? known))
            {
                return known;
            }
        }

        X509Certificate2 made = ParseIdentity(cert, key);
        lock (IdentitiesGate)
        {
            if (Identities.Count >= IdentityCacheSize)
            {
                Identities.Clear(); // the certificates stay alive for the connections that use them
            }

            Identities.TryAdd(id, made);
            return Identities[id];
        }
    }

    private static string Digest(USslData? cert, USslData? key)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(BitConverter.GetBytes(cert?.Bytes.Length ?? -1));
        sha.AppendData(cert is USslData c ? c.Bytes.Span : default);
        sha.AppendData(key is USslData k ? k.Bytes.Span : default);
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static X509Certificate2 ParseIdentity(USslData? cert, USslData? key)
    {

        X509Certificate2 certificate = cert is USslData c ? LoadCertificate(c) : throw new ArgumentException("invalid cert: a key needs its cert", nameof(cert));
        if (key is not USslData k)
        {
            certificate.Dispose();
            throw new ArgumentException("invalid key: a cert needs its key", nameof(key));
        }

        try
        {
            return WithKey(certificate, k.Bytes.Span);
        }
        finally
        {
            certificate.Dispose();
        }
    }

    private static X509Certificate2 LoadCertificate(USslData cert)
    {
        try
        {
            ReadOnlySpan<byte> span = cert.Bytes.Span;
            return IsPem(span) ? X509Certificate2.CreateFromPem(Text(span)) : X509CertificateLoader.LoadCertificate(span);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("invalid cert", nameof(cert), e);
        }
    }

    private static X509Certificate2 WithKey(X509Certificate2 certificate, ReadOnlySpan<byte> key)
    {
        try
        {
            using RSA? rsaPublic = certificate.GetRSAPublicKey();
            if (rsaPublic is not null)
            {
                using var rsa = RSA.Create();
                Import(rsa, key);
                return Persisted(certificate.CopyWithPrivateKey(rsa));
            }

            using ECDsa? ecPublic = certificate.GetECDsaPublicKey();
            if (ecPublic is not null)
            {
                using var ec = ECDsa.Create();
                Import(ec, key);
                return Persisted(certificate.CopyWithPrivateKey(ec));
            }
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("invalid key", nameof(key), e);
        }
        catch (ArgumentException e)
        {
            // CopyWithPrivateKey: the key is not the certificate's.
            throw new ArgumentException("invalid key: it does not match the cert", nameof(key), e);
        }

        throw new ArgumentException("invalid key: only RSA and EC keys are supported", nameof(key));
    }

    private static void Import(AsymmetricAlgorithm algorithm, ReadOnlySpan<byte> key)
    {
        if (IsPem(key))
        {
            algorithm.ImportFromPem(Text(key));
            return;
        }

        try
        {
            algorithm.ImportPkcs8PrivateKey(key, out _);
        }
        catch (CryptographicException)
        {
            // Not PKCS#8: the algorithm's own DER form (PKCS#1 for RSA, SEC 1 for EC), as mbedTLS also accepts.
            switch (algorithm)
            {
                case RSA rsa:
                    rsa.ImportRSAPrivateKey(key, out _);
                    break;
                case ECDsa ec:
                    ec.ImportECPrivateKey(key, out _);
                    break;
                default:
                    throw;
            }
        }
    }

    // An ephemeral key works for a TLS client and server on Linux; elsewhere (Windows' SChannel) the key must be
    // in a key store, which a PKCS#12 round trip gives.
    private static X509Certificate2 Persisted(X509Certificate2 certificate)
    {
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }

        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }

    private static bool IsPem(ReadOnlySpan<byte> data) => data.IndexOf(PemMarker) >= 0;

    private static string Text(ReadOnlySpan<byte> data) => Encoding.UTF8.GetString(data.TrimEnd((byte)0));
}
