using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Usock;

/// <summary>
/// A TLS connection over a <see cref="USocket"/>, as the object the module's <c>ussl.wrap_socket</c> returns, with the
/// plain socket's read and write members in the same C# shapes. Made by <see cref="USsl.WrapSocket"/>.
/// </summary>
/// <remarks>
/// <para>Built on the socket's core: <see cref="SslStream"/> reads and writes through the same primitives as the
/// plain socket's calls, each TLS call with one deadline on the socket's clock (its <see cref="USocket.TimeProvider"/>).
/// The timeout is the socket's (<see cref="SetTimeout"/> sets both); 110 when a call's deadline passes. After a read
/// timeout the connection stays usable: the part of a TLS record received so far is kept and completed by the next
/// read. After a write timeout it stays usable too: the encrypted bytes the kernel did not take are sent first by the
/// next write (the data of the timed-out call is therefore sent too, unless the socket is closed first).</para>
/// <para>Non-blocking (<c>SetBlocking(false)</c>): the handshake goes on by itself as the peer answers (awaiting the
/// socket's readiness, no thread of its own, the socket stays non-blocking); until it is done reads return
/// <c>null</c>, writes <c>null</c>, <see cref="DoHandshake"/>, <see cref="Recv"/> and <see cref="Send(ReadOnlySpan{byte})"/>
/// raise 11. Reads with nothing decrypted return <c>null</c>; <see cref="Write(ReadOnlySpan{byte})"/> takes at most
/// 16 KiB per call, encrypts it and queues what the kernel cannot take, returning <c>null</c> while earlier bytes are
/// still queued.</para>
/// <para>Threads: reads are taken one at a time, and writes one at a time (a second reader waits for the first within
/// its own deadline, as on the plain socket); a reader and a writer work at once. <see cref="Close"/> ends every
/// blocked call with 9.</para>
/// </remarks>
public sealed partial class USslSocket : IDisposable, IAsyncDisposable, IPollable, ISocketSurface
{
    private readonly USocket _sock;
    private readonly SocketCore _core;
    private readonly TlsTransport _transport;
    private readonly SslStream _ssl;
    private readonly X509Certificate2Collection? _trust;
    private readonly X509Certificate2? _identity;
    private readonly bool _serverSide;
    private readonly string? _serverHostname;
    private readonly USslOptions _options;
    private readonly SemaphoreSlim _reading = new(1, 1);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ReadBuffer _rb = new();

    private volatile bool _closed;
    private volatile bool _broken; // a TLS failure: no close_notify at close
    private bool _eof;

    internal USslSocket(USocket sock, X509Certificate2Collection? trust, X509Certificate2? identity, bool serverSide, string? serverHostname, USslOptions options)
    {
        _sock = sock;
        _core = sock.Core;
        _trust = trust;
        _identity = identity;
        _serverSide = serverSide;
        _serverHostname = serverHostname;
        _options = options;
        _transport = new TlsTransport(_core);
        _ssl = new SslStream(_transport, leaveInnerStreamOpen: true, Validate);
    }

    /// <summary>The socket underneath (owned by this object).</summary>
    public USocket Socket => _sock;

    /// <summary>The timeout in seconds: <c>null</c> when blocking, 0 when non-blocking (the socket's).</summary>
    public double? Timeout => _sock.Timeout;

    /// <summary>True once the handshake completed.</summary>
    public bool IsHandshakeComplete => _handshakeDone;

    /// <summary>The negotiated TLS version, once the handshake is done.</summary>
    public SslProtocols Protocol => _handshakeDone ? _ssl.SslProtocol : SslProtocols.None;

    /// <summary>The negotiated cipher suite, once the handshake is done.</summary>
    public TlsCipherSuite? CipherSuite => _handshakeDone ? _ssl.NegotiatedCipherSuite : null;

    /// <summary>The peer's certificate subject (e.g. <c>CN=example</c>), or <c>null</c> when it sent none.</summary>
    public string? PeerSubject => _handshakeDone ? _ssl.RemoteCertificate?.Subject : null;

    /// <summary>Bytes received and decrypted but not yet handed out (a poller counts them as readable).</summary>
    public int Buffered => _rb.Count;

    SocketCore IPollable.Core => _core;

    bool IPollable.HasBufferedData => _rb.Count > 0;

    USocket IPollable.Named => _sock;

    bool ISocketSurface.IsStream => true;

    void ISocketSurface.Live() => Live();

    /// <summary>Does the handshake now, as the module's <c>do_handshake</c> (a no-op when it is done).</summary>
    /// <remarks>Non-blocking: moves the handshake on and raises 11 until it is done, as the device's mbedTLS does
    /// (the handshake goes on by itself meanwhile, as the peer answers).</remarks>
    /// <exception cref="UsocketException">11 EAGAIN (non-blocking, not done yet); as for <see cref="USsl.WrapSocket"/>.</exception>
    public void DoHandshake()
    {
        Live();
        if (!Handshaken(_core.StartDeadline()))
        {
            throw new UsocketException(Errno.EAGAIN, "the TLS handshake is not done yet");
        }
    }

    /// <summary>Half-closes, as the plain socket's <c>Shutdown</c>. An extension: with <see cref="USocket.SHUT_WR"/> or
    /// <see cref="USocket.SHUT_RDWR"/> the TLS <c>close_notify</c> goes out first, so the peer sees a clean end of
    /// stream, then the TCP FIN.</summary>
    /// <param name="how"><see cref="USocket.SHUT_RD"/>, <see cref="USocket.SHUT_WR"/> or <see cref="USocket.SHUT_RDWR"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="how"/> is not 0, 1 or 2.</exception>
    /// <exception cref="UsocketException">As for <see cref="USocket.Shutdown"/>; 110 or 104 sending close_notify.</exception>
    public void Shutdown(int how)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfLessThan(how, USocket.SHUT_RD);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(how, USocket.SHUT_RDWR);
        if (how != USocket.SHUT_RD && _handshakeDone && !_broken)
        {
            Deadline deadline = _core.StartDeadline();
            if (!BeginWrite(deadline))
            {
                throw new UsocketException(Errno.EAGAIN);
            }

            try
            {
                _transport.FlushPending();
                _ssl.ShutdownAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (TlsFailure.IsFailure(e))
            {
                throw TlsFailure.Translate(e, TlsFailure.Rejection.None, null);
            }
            finally
            {
                _writing.Release();
            }
        }

        _sock.Shutdown(how);
    }

    /// <summary>Sets blocking or non-blocking mode, as the module's <c>setblocking(flag)</c>.</summary>
    /// <param name="flag"><c>true</c> is <c>SetTimeout(null)</c>, <c>false</c> is <c>SetTimeout(0)</c>.</param>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public void SetBlocking(bool flag) => SetTimeout(flag ? null : 0);

    /// <summary>Sets the timeout of the handshake and of every call: the socket's timeout, one setting for both.</summary>
    /// <param name="seconds"><c>null</c> blocks; 0 is non-blocking; positive raises 110 when a call waits longer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seconds"/> is negative, NaN or infinite.</exception>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public void SetTimeout(double? seconds)
    {
        Live();
        _sock.SetTimeout(seconds);
    }

    /// <summary>The peer's certificate as DER bytes, as the module's <c>getpeercert(True)</c>.</summary>
    /// <returns>The DER bytes, or <c>null</c> when the peer sent none or the handshake is not done.</returns>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public byte[]? GetPeerCert()
    {
        Live();
        return _handshakeDone ? _ssl.RemoteCertificate?.GetRawCertData() : null;
    }

    /// <summary>The TCP state of the connection underneath, as <see cref="USocket.GetSocketSta"/> (-1 after close).</summary>
    /// <returns>0..10 in lwIP's numbering, or -1.</returns>
    public int GetSocketSta() => _sock.GetSocketSta();

    /// <summary>Closes the connection, as the module's <c>close()</c>: sends queued bytes and the TLS
    /// <c>close_notify</c> (waiting at most <see cref="USslOptions.CloseTimeout"/>), then closes the socket with a FIN.
    /// Idempotent; a call blocked on another thread (a read, a write, the handshake, a wait for another reader's turn)
    /// ends with 9 EBADF.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_handshakeDone && !_broken && !_sock.IsClosed)
        {
            SayGoodbye();
        }

        _sock.Close();
        try
        {
            _ssl.Dispose();
        }
        catch (IOException)
        {
            // The transport is already closed: nothing more to send.
        }
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>Same as <see cref="Close"/>.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override string ToString() => $"<USslSocket {_sock} {(_handshakeDone ? _ssl.SslProtocol : "handshaking")}>";

    // Sends what is queued and close_notify within CloseTimeout, then reads away what the program never read.
    private void SayGoodbye()
    {
        bool writer = _writing.Wait(0); // a writer blocked on another thread keeps the stream: skip close_notify
        try
        {
            // Close's own deadlines, whatever the socket's mode: a blocking descriptor would ignore them.
            _ = _core.MakeNonBlocking();
            long ms = (long)_options.CloseTimeout.TotalMilliseconds;
            Deadline deadline = Deadline.Start(ms > 0 ? ms : 0, _core.Clock);
            _transport.BeginWrite(deadline);
            if (writer && _transport.FlushPending())
            {
                _ssl.ShutdownAsync().GetAwaiter().GetResult();
                _transport.FlushPending();
            }

            // Bytes left unread in the kernel (TLS 1.3 session tickets the program never read, say) would make the
            // close a reset that destroys what the peer has not read yet: take them first.
            Span<byte> sink = stackalloc byte[4096];
            Deadline now = Deadline.Start(0, _core.Clock);
            for (int i = 0; i < 256 && _core.Receive(sink, now, out int n) == 0 && n > 0; i++)
            {
            }
        }
        catch (Exception e) when (TlsFailure.IsFailure(e))
        {
            // Best effort: the peer is gone, or nothing more can be sent.
        }
        finally
        {
            if (writer)
            {
                _writing.Release();
            }
        }

        _transport.DropPending();
    }

    private void Live()
    {
        if (_closed)
        {
            throw new UsocketException(Errno.EBADF);
        }
    }

    // A TLS or transport failure as the façade raises it: 9 once closed, the table's code otherwise; a TLS code marks
    // the connection broken (no close_notify at close).
    private Exception Failed(Exception e)
    {
        Exception failure = _closed ? new UsocketException(Errno.EBADF, null, e) : TlsFailure.Translate(e, TlsFailure.Rejection.None, null);
        _broken |= failure is UsocketException { Errno: < 0 };
        return failure;
    }

    // A turn on a direction's lock within the call's deadline: false when non-blocking and another call has it; 110
    // when the deadline passes first. (The one holding it is woken by Close, so a waiter is too.)
    private static bool Enter(SemaphoreSlim turn, in Deadline deadline)
    {
        if (turn.Wait(0))
        {
            return true;
        }

        long ms = deadline.RemainingMs();
        if (deadline.IsNonBlocking)
        {
            return false;
        }

        return ms != 0 && turn.Wait(ms < 0 || ms > int.MaxValue ? System.Threading.Timeout.Infinite : (int)ms)
            ? true
            : throw new UsocketException(Errno.ETIMEDOUT);
    }

    private static async ValueTask<bool> EnterAsync(SemaphoreSlim turn, Deadline deadline, CancellationToken cancellationToken)
    {
        if (turn.Wait(0, cancellationToken))
        {
            return true;
        }

        long ms = deadline.RemainingMs();
        if (deadline.IsNonBlocking)
        {
            return false;
        }

        return ms != 0 && await turn.WaitAsync(ms < 0 || ms > int.MaxValue ? System.Threading.Timeout.Infinite : (int)ms, cancellationToken).ConfigureAwait(false)
            ? true
            : throw new UsocketException(Errno.ETIMEDOUT);
    }
}
