namespace Usock;

/// <summary>
/// The negative codes a TLS failure carries in <see cref="UsocketException.Errno"/>: mbedTLS's codes, as the
/// device's firmware raises them. A timeout, a reset and a closed socket keep 110, 104 and 9.
/// </summary>
/// <remarks>docs/tls.md has the table of which failure gives which code.</remarks>
public static class TlsErrno
{
    /// <summary>MBEDTLS_ERR_X509_CERT_VERIFY_FAILED (-0x2700): the peer's certificate did not verify (untrusted,
    /// expired, or not for the host name).</summary>
    public const int X509CertVerifyFailed = -0x2700;

    /// <summary>MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE (-0x7780): the peer ended the handshake or the connection with a
    /// fatal alert (for instance it rejected our certificate, or wanted one we did not send).</summary>
    public const int FatalAlertMessage = -0x7780;

    /// <summary>MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE (-0x7480): server side, <c>ca</c> given, and the client sent no
    /// certificate.</summary>
    public const int NoClientCertificate = -0x7480;

    /// <summary>MBEDTLS_ERR_SSL_CONN_EOF (-0x7280): the peer closed the connection during the handshake.</summary>
    public const int ConnEof = -0x7280;

    /// <summary>MBEDTLS_ERR_SSL_INVALID_RECORD (-0x7200): the peer sent something that is not TLS.</summary>
    public const int InvalidRecord = -0x7200;

    /// <summary>MBEDTLS_ERR_SSL_INVALID_MAC (-0x7180): a record failed to decrypt or authenticate.</summary>
    public const int InvalidMac = -0x7180;

    /// <summary>MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION (-0x6E80): no TLS version both sides allow.</summary>
    public const int BadProtocolVersion = -0x6E80;

    /// <summary>MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE (-0x6A80): any other handshake failure (no common cipher, a
    /// malformed message).</summary>
    public const int HandshakeFailure = -0x6A80;

    /// <summary>The mbedTLS name of a code above, or <c>null</c>.</summary>
    /// <param name="code">A value of <see cref="UsocketException.Errno"/>.</param>
    /// <returns>The name, e.g. <c>"MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"</c>.</returns>
    public static string? Name(int code) => code switch
    {
        X509CertVerifyFailed => "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
        FatalAlertMessage => "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE",
        NoClientCertificate => "MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE",
        ConnEof => "MBEDTLS_ERR_SSL_CONN_EOF",
        InvalidRecord => "MBEDTLS_ERR_SSL_INVALID_RECORD",
        InvalidMac => "MBEDTLS_ERR_SSL_INVALID_MAC",
        BadProtocolVersion => "MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION",
        HandshakeFailure => "MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE",
        _ => null,
    };
}
