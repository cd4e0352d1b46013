using System.Security.Authentication;

namespace Usock;

/// <summary>What a TLS failure becomes at the façade: the one place that picks the code (docs/tls.md has the table).</summary>
internal static class TlsFailure
{
    /// <summary>Why our own certificate check rejected the peer, when it did.</summary>
    public enum Rejection
    {
        None,
        Unverified,
        NoClientCertificate,
    }

    /// <summary>
    /// The one list of what <see cref="System.Net.Security.SslStream"/> and the transport throw when a TLS call fails:
    /// a transport or TLS error, a closed socket, a call the stream refuses in its state. Each is given to
    /// <see cref="Translate"/>, which keeps socket errnos and picks a TLS code for the rest.
    /// </summary>
    public static bool IsFailure(Exception e) =>
        e is IOException or AuthenticationException or ObjectDisposedException or InvalidOperationException
            or NotSupportedException or System.Security.Cryptography.CryptographicException;

    /// <summary>The exception to raise for <paramref name="e"/>, thrown by SslStream or the transport.</summary>
    public static Exception Translate(Exception e, Rejection rejected, string? verifyDetail)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is UsocketException u)
            {
                // 110, 104, 11 and 9 from the socket stay what they are.
                return new UsocketException(u.Errno, Detail(u), u);
            }

            if (Errno.FromException(x) is int errno)
            {
                return new UsocketException(errno, null, e); // a closed socket (9), as the platform layer reads it
            }
        }

        if (rejected == Rejection.NoClientCertificate)
        {
            return Tls(TlsErrno.NoClientCertificate, "the client sent no certificate", e);
        }

        if (rejected == Rejection.Unverified)
        {
            return Tls(TlsErrno.X509CertVerifyFailed, verifyDetail ?? "the peer's certificate did not verify", e);
        }

        if (e is not (AuthenticationException or IOException))
        {
            return e; // not a TLS or transport failure: a bug to see as it is
        }

        string text = AllMessages(e);
        int code = text switch
        {
            _ when Has(text, "alert") => TlsErrno.FatalAlertMessage,
            _ when Has(text, "unexpected EOF") || Has(text, "closed the transport stream") || Has(text, "0 bytes from the transport") => TlsErrno.ConnEof,
            _ when Has(text, "wrong version number") || Has(text, "packet length too long") || Has(text, "record layer failure") || Has(text, "http request") || Has(text, "unknown frame") || Has(text, "not a TLS") || Has(text, "frame") => TlsErrno.InvalidRecord,
            _ when Has(text, "unsupported protocol") || Has(text, "no protocols available") || Has(text, "version too low") || Has(text, "version") => TlsErrno.BadProtocolVersion,
            _ when Has(text, "decrypt") || Has(text, "bad record mac") => TlsErrno.InvalidMac,
            _ => TlsErrno.HandshakeFailure,
        };
        return Tls(code, FirstLine(text), e);
    }

    private static UsocketException Tls(int code, string detail, Exception inner) =>
        new(code, detail, inner);

    private static string? Detail(UsocketException u)
    {
        string head = $"[Errno {u.Errno}] {u.ErrnoName ?? "E?"}";
        return u.Message.Length > head.Length + 2 && u.Message.StartsWith(head, StringComparison.Ordinal) ? u.Message[(head.Length + 2)..] : null;
    }

    private static bool Has(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    private static string AllMessages(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            parts.Add(x.Message);
        }

        return string.Join(" | ", parts);
    }

    private static string FirstLine(string text)
    {
        int at = text.IndexOf('\n', StringComparison.Ordinal);
        return at < 0 ? text : text[..at];
    }
}
