namespace Usock;

/// <summary>
/// The module <c>ussl</c>: TLS over a connected <see cref="USocket"/>, on .NET's <see cref="System.Net.Security.SslStream"/>.
/// </summary>
/// <remarks>
/// <para><b>The device's default is lenient, and so is Usock's: without <c>ca</c> the peer's certificate is not
/// verified at all</b> (any certificate, any host name, expired or self-signed, is accepted). With <c>ca</c>, the
/// chain must verify against it and, when <c>serverHostname</c> is given, the certificate must be for that name;
/// as on the device, a certificate that is not yet valid is still accepted (a device's clock may be unset).
/// Pass <see cref="USslOptions"/> with <see cref="USslOptions.Strict"/> to always verify.</para>
/// </remarks>
public static class USsl
{
    /// <summary>
    /// Wraps a connected socket in TLS, as the module's <c>ussl.wrap_socket(sock, *, ca=None, key=None, cert=None,
    /// server_side=False, server_hostname=None, do_handshake=True)</c>.
    /// </summary>
    /// <param name="sock">A connected stream socket (on the server side, one that <see cref="USocket.Accept"/>
    /// returned). The wrapped socket owns it: closing one closes the other. Use only the wrapped socket from now on.</param>
    /// <param name="ca">CA certificate(s), PEM or DER. Given: the peer's certificate must verify against them (and,
    /// on the server side, the client must send one). Absent: <b>no verification at all</b> (the device's default).</param>
    /// <param name="key">Our private key (RSA or EC; PEM, PKCS#8, PKCS#1 or SEC 1 DER), with <paramref name="cert"/>.</param>
    /// <param name="cert">Our certificate, PEM or DER: the client's, or the server's with <paramref name="serverSide"/>.</param>
    /// <param name="serverSide">Act as the TLS server (needs <paramref name="cert"/> and <paramref name="key"/>).</param>
    /// <param name="serverHostname">The name sent as SNI and, when verifying, the name the certificate must carry.</param>
    /// <param name="doHandshake"><c>false</c>: the handshake happens on the first read or write.</param>
    /// <param name="options">Choices beyond the module (strict verification, TLS versions); null is
    /// <see cref="USslOptions.Device"/>.</param>
    /// <returns>The wrapped socket.</returns>
    /// <remarks>The handshake honours the socket's timeout (110). On a non-blocking socket the handshake runs in the
    /// background: this call returns at once, reads return <c>null</c> and writes raise 11 until it is done.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="sock"/> is null.</exception>
    /// <exception cref="ArgumentException">Bad data: <c>invalid key</c>, <c>invalid cert</c>, <c>invalid ca</c> (the
    /// device's words); a server without cert and key; strict verification without a host name.</exception>
    /// <exception cref="UsocketException">A failed handshake: a <see cref="TlsErrno"/> code; 110 ETIMEDOUT;
    /// 104 ECONNRESET; 9 EBADF when the socket is closed.</exception>
    public static USslSocket WrapSocket(
        USocket sock,
        USslData? ca = null,
        USslData? key = null,
        USslData? cert = null,
        bool serverSide = false,
        string? serverHostname = null,
        bool doHandshake = true,
        USslOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sock);
        if (sock.IsClosed)
        {
            throw new UsocketException(Errno.EBADF);
        }

        options ??= USslOptions.Device;
        var trust = TlsCredentials.LoadCa(ca);
        var identity = TlsCredentials.LoadIdentity(cert, key);
        if (serverSide && identity is null)
        {
            throw new ArgumentException("invalid cert: server_side needs cert and key", nameof(cert));
        }

        if (options.Strict && !serverSide && string.IsNullOrEmpty(serverHostname))
        {
            throw new ArgumentException("Strict verification needs serverHostname: the name the certificate must carry.", nameof(serverHostname));
        }

        var wrapped = new USslSocket(sock, trust, identity, serverSide, serverHostname, options);
        if (doHandshake)
        {
            wrapped.StartHandshake();
        }

        return wrapped;
    }
}
