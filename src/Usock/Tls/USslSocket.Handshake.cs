using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Usock;

/// <summary>The handshake and the certificate check.</summary>
/// <remarks>
/// <para>Blocking or with a timeout the handshake is synchronous, within the calling call's deadline. Non-blocking it
/// is <see cref="SslStream"/>'s asynchronous handshake over the core's asynchronous primitives: it waits for readiness
/// through the socket's readiness queue (no thread of its own, the descriptor stays non-blocking) and goes on by itself
/// as the peer answers; each call until it is done reports "would block". A call that may wait (blocking, timeout)
/// waits for it within its own deadline.</para>
/// <para>A failed handshake is final: every later call raises its error again.</para>
/// </remarks>
public sealed partial class USslSocket
{
    private readonly SemaphoreSlim _handshaking = new(1, 1);
    private volatile bool _handshakeDone;
    private volatile Task? _handshakeTask;
    private volatile UsocketException? _handshakeError;
    private TlsFailure.Rejection _rejection;
    private string? _rejectionDetail;

    // WrapSocket with do_handshake: blocking or with a timeout, the handshake now; non-blocking, started.
    internal void StartHandshake() => Handshaken(_core.StartDeadline());

    // True when the handshake is done (doing it now within the deadline when the call may wait); false when
    // non-blocking and not done yet. Raises the handshake's failure, every time.
    private bool Handshaken(in Deadline deadline)
    {
        if (_handshakeDone)
        {
            return true;
        }

        RaiseHandshakeError();
        if (_handshakeTask is null)
        {
            if (!Enter(_handshaking, deadline))
            {
                return false;
            }

            BeginHandshake(deadline, synchronous: !deadline.IsNonBlocking);
        }

        if (_handshakeTask is Task running && !running.IsCompleted)
        {
            long ms = deadline.RemainingMs();
            if (deadline.IsNonBlocking)
            {
                return false;
            }

            if (ms == 0 || !running.Wait(ms < 0 || ms > int.MaxValue ? System.Threading.Timeout.Infinite : (int)ms))
            {
                throw new UsocketException(Errno.ETIMEDOUT, "the TLS handshake is still running");
            }
        }

        RaiseHandshakeError();
        return _handshakeDone;
    }

    // As Handshaken, for an async call: the handshake is awaited, not waited for.
    private async ValueTask<bool> HandshakenAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        if (_handshakeDone)
        {
            return true;
        }

        RaiseHandshakeError();
        if (_handshakeTask is null)
        {
            if (!await EnterAsync(_handshaking, deadline, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            BeginHandshake(deadline, synchronous: false);
        }

        if (_handshakeTask is Task running && !running.IsCompleted)
        {
            long ms = deadline.RemainingMs();
            if (deadline.IsNonBlocking)
            {
                return false;
            }

            TimeSpan wait = ms < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms);
            try
            {
                await running.WaitAsync(wait, _core.Clock, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new UsocketException(Errno.ETIMEDOUT, "the TLS handshake is still running");
            }
        }

        RaiseHandshakeError();
        return _handshakeDone;
    }

    // With the handshake lock held (released here): does the handshake now (synchronous), or starts it and leaves it
    // running. A non-blocking handshake goes on as the peer answers (its waits are for readiness, without a deadline);
    // an async caller's handshake is bounded by its call's deadline, and the caller's token cancels only its wait.
    private void BeginHandshake(in Deadline deadline, bool synchronous)
    {
        try
        {
            if (!_handshakeDone && _handshakeTask is null)
            {
                RaiseHandshakeError();
                if (synchronous)
                {
                    Handshake(deadline);
                }
                else
                {
                    _handshakeTask = HandshakeAsync(deadline.IsNonBlocking ? Deadline.Start(-1, _core.Clock) : deadline, CancellationToken.None);
                }
            }
        }
        finally
        {
            _handshaking.Release();
        }
    }

    private void RaiseHandshakeError()
    {
        if (_handshakeError is UsocketException e)
        {
            throw new UsocketException(e.Errno, e.Message, e);
        }
    }

    private void Handshake(in Deadline deadline)
    {
        _transport.BeginRead(deadline);
        _transport.BeginWrite(deadline);
        try
        {
            if (_serverSide)
            {
                _ssl.AuthenticateAsServer(ServerOptions());
            }
            else
            {
                _ssl.AuthenticateAsClient(ClientOptions());
            }

            _handshakeDone = true;
        }
        catch (Exception e) when (TlsFailure.IsFailure(e))
        {
            throw HandshakeFailed(e);
        }
    }

    // Never faults: a failure is kept in _handshakeError and raised by the calls that look.
    private async Task HandshakeAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        _transport.BeginRead(deadline, cancellationToken);
        _transport.BeginWrite(deadline, cancellationToken);
        try
        {
            Task auth = _serverSide
                ? _ssl.AuthenticateAsServerAsync(ServerOptions(), cancellationToken)
                : _ssl.AuthenticateAsClientAsync(ClientOptions(), cancellationToken);
            await auth.ConfigureAwait(false);
            _handshakeDone = true;
        }
        catch (Exception e) when (TlsFailure.IsFailure(e) || e is OperationCanceledException)
        {
            _ = HandshakeFailed(e);
        }
    }

    private UsocketException HandshakeFailed(Exception e)
    {
        var failure = e is OperationCanceledException
            ? new UsocketException(Errno.ETIMEDOUT, "the TLS handshake was cancelled", e)
            : (UsocketException)TlsFailure.Translate(e, _rejection, _rejectionDetail);
        _handshakeError = _closed ? new UsocketException(Errno.EBADF, null, e) : failure;
        return _handshakeError;
    }

    private SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = _identity,
        ClientCertificateRequired = _trust is not null || _options.Strict,
        EnabledSslProtocols = _options.EnabledProtocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    private SslClientAuthenticationOptions ClientOptions()
    {
        var client = new SslClientAuthenticationOptions
        {
            TargetHost = _serverHostname ?? "",
            EnabledSslProtocols = _options.EnabledProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (_identity is not null)
        {
            client.ClientCertificates = [_identity];
        }

        return client;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        bool verify = _trust is not null || _options.Strict;
        if (!verify)
        {
            return true; // the device's default: no ca, no verification
        }

        if (certificate is null)
        {
            return Reject(_serverSide ? TlsFailure.Rejection.NoClientCertificate : TlsFailure.Rejection.Unverified, "the peer sent no certificate");
        }

        if (!_serverSide && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 && !string.IsNullOrEmpty(_serverHostname))
        {
            return Reject(TlsFailure.Rejection.Unverified, $"the certificate is not for {_serverHostname}");
        }

        if (_trust is null)
        {
            // Strict without ca: the system's roots, as SslStream checked them.
            return (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0
                || Reject(TlsFailure.Rejection.Unverified, ChainText(chain));
        }

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var own = new X509Chain();
        own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        own.ChainPolicy.CustomTrustStore.AddRange(_trust);
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                own.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (!_options.Strict)
        {
            // The device accepts a certificate that is not valid yet (its clock may be unset): check at the
            // latest start of validity, so only expiry counts.
            DateTime at = DateTime.Now;
            foreach (X509Certificate2 c in own.ChainPolicy.ExtraStore)
            {
                at = c.NotBefore > at ? c.NotBefore.AddSeconds(1) : at;
            }

            at = leaf.NotBefore > at ? leaf.NotBefore.AddSeconds(1) : at;
            own.ChainPolicy.VerificationTime = at;
        }

        return own.Build(leaf) || Reject(TlsFailure.Rejection.Unverified, ChainText(own));
    }

    private bool Reject(TlsFailure.Rejection why, string detail)
    {
        _rejection = why;
        _rejectionDetail = detail;
        return false;
    }

    private static string ChainText(X509Chain? chain)
    {
        if (chain is null || chain.ChainStatus.Length == 0)
        {
            return "the peer's certificate did not verify";
        }

        return string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
    }
}
