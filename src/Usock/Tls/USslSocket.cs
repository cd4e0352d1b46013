using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Usock;

/// <summary>
/// A TLS connection over a <see cref="USocket"/>, as the object the module's <c>ussl.wrap_socket</c> returns, with the
/// plain socket's read and write members in the same C# shapes. Made by <see cref="USsl.WrapSocket"/>.
/// </summary>
/// <remarks>
/// <para>Timeouts: the timeout (taken from the socket when wrapped, changed with <see cref="SetTimeout"/>) applies to
/// the handshake and to every call, with one deadline per call (110 when it passes). After a read timeout the
/// connection stays usable: the part of a TLS record received so far is kept and completed by the next read. After a
/// write timeout it stays usable too: the encrypted bytes the kernel did not take are sent first by the next write
/// (the data of the timed-out call is therefore sent too, unless the socket is closed first).</para>
/// <para>Non-blocking (<c>SetBlocking(false)</c>): reads with nothing decrypted return <c>null</c> (<see cref="Recv"/>
/// raises 11); <see cref="Write(ReadOnlySpan{byte})"/> takes at most 16 KiB per call, encrypts it and queues what
/// the kernel cannot take, returning <c>null</c> (<see cref="Send(ReadOnlySpan{byte})"/>: 11) while earlier bytes are
/// still queued. The handshake runs in the background; until it is done reads return <c>null</c> and writes raise 11.</para>
/// <para>One reader and one writer may work at once on two threads (as with <see cref="SslStream"/>); in timeout
/// mode they share the socket's timeout.</para>
/// </remarks>
public sealed class USslSocket : IDisposable
{
    private const int NonBlockingWriteChunk = 16 * 1024;
    private const int InitialReadBuffer = 16 * 1024;

    private readonly USocket _sock;
    private readonly TlsTransport _transport;
    private readonly SslStream _ssl;
    private readonly X509Certificate2Collection? _trust;
    private readonly X509Certificate2? _identity;
    private readonly bool _serverSide;
    private readonly string? _serverHostname;
    private readonly USslOptions _options;
    private readonly Lock _gate = new();

    private double? _timeout;
    private volatile bool _closed;
    private volatile bool _handshakeDone;
    private Task? _background;
    private UsocketException? _handshakeError;
    private TlsFailure.Rejection _rejection;
    private string? _rejectionDetail;

    private byte[]? _rbuf;
    private int _rstart;
    private int _rend;
    private bool _eof;
    private UsocketException? _deferredReadError;
    private volatile bool _broken; // a TLS failure: no close_notify at close

    internal USslSocket(USocket sock, X509Certificate2Collection? trust, X509Certificate2? identity, bool serverSide, string? serverHostname, USslOptions options)
    {
        _sock = sock;
        _trust = trust;
        _identity = identity;
        _serverSide = serverSide;
        _serverHostname = serverHostname;
        _options = options;
        _timeout = sock.Timeout;
        _transport = new TlsTransport(sock);
        _ssl = new SslStream(_transport, leaveInnerStreamOpen: true, Validate);
    }

    /// <summary>The socket underneath (owned by this object).</summary>
    public USocket Socket => _sock;

    /// <summary>The timeout in seconds: <c>null</c> when blocking, 0 when non-blocking.</summary>
    public double? Timeout => _timeout;

    /// <summary>True once the handshake completed.</summary>
    public bool IsHandshakeComplete => _handshakeDone;

    /// <summary>The negotiated TLS version, once the handshake is done.</summary>
    public SslProtocols Protocol => _handshakeDone ? _ssl.SslProtocol : SslProtocols.None;

    /// <summary>The negotiated cipher suite, once the handshake is done.</summary>
    public TlsCipherSuite? CipherSuite => _handshakeDone ? _ssl.NegotiatedCipherSuite : null;

    /// <summary>The peer's certificate subject (e.g. <c>CN=example</c>), or <c>null</c> when it sent none.</summary>
    public string? PeerSubject => _handshakeDone ? _ssl.RemoteCertificate?.Subject : null;

    /// <summary>Bytes received and decrypted but not yet handed out (a readiness check counts them as readable).</summary>
    public int Buffered => _rend - _rstart;

    /// <summary>Does the handshake now, as the module's <c>do_handshake</c> (a no-op when it is done).</summary>
    /// <remarks>Non-blocking: starts it in the background and returns.</remarks>
    /// <exception cref="UsocketException">As for <see cref="USsl.WrapSocket"/>.</exception>
    public void DoHandshake()
    {
        Live();
        StartHandshake();
    }

    /// <summary>Reads bytes, as the module's <c>read([size])</c>.</summary>
    /// <param name="size">How many bytes; negative (the default) reads until the peer ends the stream, at most
    /// <see cref="USocket.MaxReadAllBytes"/> of the socket (105 ENOBUFS beyond).</param>
    /// <returns><paramref name="size"/> bytes, fewer only at end of stream or when non-blocking and no more are
    /// decrypted; empty at end of stream; <c>null</c> when non-blocking and nothing is there.</returns>
    /// <remarks>A timeout part-way raises 110 and keeps what was read for the next call.</remarks>
    /// <exception cref="UsocketException">110; 105; 104; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public byte[]? Read(int size = -1)
    {
        Live();
        if (size == 0)
        {
            return [];
        }

        if (!Handshaken())
        {
            return null;
        }

        bool all = size < 0;
        int limit = all ? _sock.MaxReadAllBytes : size;
        _transport.BeginRead(_timeout);
        while (all || Buffered < size)
        {
            if (all && Buffered > limit)
            {
                throw new UsocketException(Errno.ENOBUFS, $"more than MaxReadAllBytes ({limit} bytes) before end of stream");
            }

            int n = Fill(all ? InitialReadBuffer : size - Buffered);
            if (n > 0)
            {
                continue;
            }

            if (n == 0)
            {
                break;
            }

            if (Buffered == 0)
            {
                return null;
            }

            break;
        }

        return Take(all ? Buffered : Math.Min(size, Buffered));
    }

    /// <summary>Reads into a buffer, as the module's <c>readinto(buf[, nbytes])</c>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="nbytes">How many to read; -1 (the default) means the whole buffer.</param>
    /// <returns>The count: <paramref name="nbytes"/>, fewer only at end of stream, when non-blocking and no more are
    /// decrypted, or when an error struck after some bytes (raised by the next read); <c>null</c> when non-blocking
    /// and nothing is there.</returns>
    /// <remarks>Decrypts straight into <paramref name="buffer"/>; allocates nothing after the handshake.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nbytes"/> is below -1 or beyond the buffer.</exception>
    /// <exception cref="UsocketException">110 before any byte; 104; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public int? ReadInto(Span<byte> buffer, int nbytes = -1)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfLessThan(nbytes, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nbytes, buffer.Length);
        Span<byte> want = nbytes < 0 ? buffer : buffer[..nbytes];
        int got = TakeInto(want);
        if (got == want.Length)
        {
            return got;
        }

        if (!Handshaken())
        {
            return null;
        }

        _transport.BeginRead(_timeout);
        while (got < want.Length)
        {
            int n;
            try
            {
                n = ReceiveSome(want[got..]);
            }
            catch (UsocketException e) when (got > 0)
            {
                _deferredReadError = e;
                return got;
            }

            if (n == 0)
            {
                break;
            }

            if (n < 0)
            {
                return got > 0 ? got : null;
            }

            got += n;
        }

        return got;
    }

    /// <summary>Reads into a byte array. See <see cref="ReadInto(Span{byte}, int)"/>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="nbytes">How many; -1 means the whole array.</param>
    /// <returns>As for the span overload.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? ReadInto(byte[] buffer, int nbytes = -1)
    {
        Live();
        ArgumentNullException.ThrowIfNull(buffer);
        return ReadInto(buffer.AsSpan(), nbytes);
    }

    /// <summary>Reads a line, as the module's <c>readline()</c>: up to and including <c>\n</c>.</summary>
    /// <returns>The line; what remains at end of stream (empty when nothing does); <c>null</c> when non-blocking
    /// and no complete line is decrypted (a partial line stays buffered).</returns>
    /// <remarks>A line longer than the socket's <see cref="USocket.MaxLineLength"/> raises 105 ENOBUFS and stays
    /// buffered. A timeout part-way raises 110 and keeps the partial line.</remarks>
    /// <exception cref="UsocketException">110; 105; 104; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public byte[]? ReadLine()
    {
        Live();
        int max = _sock.MaxLineLength;
        int scanned = 0;
        bool started = false;
        while (true)
        {
            if (Buffered > scanned)
            {
                int at = _rbuf.AsSpan(_rstart + scanned, Buffered - scanned).IndexOf((byte)'\n');
                if (at >= 0)
                {
                    int length = scanned + at + 1;
                    return length <= max ? Take(length) : throw LineTooLong(max);
                }

                scanned = Buffered;
            }

            if (Buffered > max)
            {
                throw LineTooLong(max);
            }

            if (!started)
            {
                if (!Handshaken())
                {
                    return null;
                }

                _transport.BeginRead(_timeout);
                started = true;
            }

            int n = Fill(InitialReadBuffer);
            if (n == 0)
            {
                return Take(Buffered);
            }

            if (n < 0)
            {
                return null;
            }
        }
    }

    /// <summary>Writes data, as the module's <c>write(buf)</c>: all of it when blocking.</summary>
    /// <param name="buffer">The plaintext.</param>
    /// <returns>Bytes accepted: all when blocking or with a timeout; when non-blocking at most 16 KiB, encrypted
    /// and sent or queued; <c>null</c> when non-blocking and earlier bytes are still queued or the handshake is not
    /// done.</returns>
    /// <exception cref="UsocketException">110 ETIMEDOUT; 104; 32 EPIPE; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public int? Write(ReadOnlySpan<byte> buffer)
    {
        Live();
        if (!Handshaken())
        {
            return null;
        }

        _transport.BeginWrite(_timeout);
        if (_timeout == 0)
        {
            if (!Guard(_transport.FlushPending))
            {
                return null;
            }

            buffer = buffer[..Math.Min(buffer.Length, NonBlockingWriteChunk)];
        }
        else if (_transport.Pending > 0)
        {
            Guard(_transport.FlushPending);
        }

        if (!buffer.IsEmpty)
        {
            WriteCore(buffer);
        }

        return buffer.Length;
    }

    /// <summary>Writes a byte array. See <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="buffer">The plaintext.</param>
    /// <returns>As for the span overload.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? Write(byte[] buffer)
    {
        Live();
        ArgumentNullException.ThrowIfNull(buffer);
        return Write(buffer.AsSpan());
    }

    /// <summary>Writes a string as UTF-8. See <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>As for the span overload, in UTF-8 bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? Write(string text)
    {
        Live();
        ArgumentNullException.ThrowIfNull(text);
        return Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Sends data, as the plain socket's <c>send</c>. An extension (the device's wrapped socket has only
    /// <c>write</c>).</summary>
    /// <param name="data">The plaintext.</param>
    /// <returns>Bytes accepted (see <see cref="Write(ReadOnlySpan{byte})"/>).</returns>
    /// <exception cref="UsocketException">11 EAGAIN where <see cref="Write(ReadOnlySpan{byte})"/> returns null; as
    /// for it otherwise.</exception>
    public int Send(ReadOnlySpan<byte> data) => Write(data) ?? throw new UsocketException(Errno.EAGAIN);

    /// <summary>Sends a byte array. See <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The plaintext.</param>
    /// <returns>Bytes accepted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int Send(byte[] data)
    {
        Live();
        ArgumentNullException.ThrowIfNull(data);
        return Send(data.AsSpan());
    }

    /// <summary>Sends a string as UTF-8. See <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The text.</param>
    /// <returns>Bytes accepted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int Send(string data)
    {
        Live();
        ArgumentNullException.ThrowIfNull(data);
        return Send(Encoding.UTF8.GetBytes(data));
    }

    /// <summary>Sends all the data, as the plain socket's <c>sendall</c>: one deadline for the whole call. An extension.</summary>
    /// <param name="data">The plaintext.</param>
    /// <remarks>Non-blocking: raises 11 when the kernel stops taking bytes (what was accepted before is sent).</remarks>
    /// <exception cref="UsocketException">110; 11; 104; 32; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public void SendAll(ReadOnlySpan<byte> data)
    {
        Live();
        if (_timeout != 0)
        {
            if (!Handshaken())
            {
                throw new UsocketException(Errno.EAGAIN);
            }

            _transport.BeginWrite(_timeout);
            if (_transport.Pending > 0)
            {
                Guard(_transport.FlushPending);
            }

            WriteCore(data);
            return;
        }

        while (!data.IsEmpty)
        {
            data = data[Send(data)..];
        }
    }

    /// <summary>Sends a whole byte array. See <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The plaintext.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public void SendAll(byte[] data)
    {
        Live();
        ArgumentNullException.ThrowIfNull(data);
        SendAll(data.AsSpan());
    }

    /// <summary>Sends a whole string as UTF-8. See <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public void SendAll(string data)
    {
        Live();
        ArgumentNullException.ThrowIfNull(data);
        SendAll(Encoding.UTF8.GetBytes(data));
    }

    /// <summary>Receives up to <paramref name="bufsize"/> decrypted bytes, as the plain socket's <c>recv</c>. An extension.</summary>
    /// <param name="bufsize">The most to return (≥ 0).</param>
    /// <returns>Whatever was decrypted (short reads are normal); empty at end of stream (the TLS peer's
    /// <c>close_notify</c> or the connection's end: no 107, unlike the plain socket's device profile).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufsize"/> is negative.</exception>
    /// <exception cref="UsocketException">11 EAGAIN when non-blocking and nothing is there; 110; 104; a
    /// <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public byte[] Recv(int bufsize)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfNegative(bufsize);
        if (Buffered > 0 || bufsize == 0)
        {
            return Take(Math.Min(bufsize, Buffered));
        }

        if (!Handshaken())
        {
            throw new UsocketException(Errno.EAGAIN);
        }

        _transport.BeginRead(_timeout);
        int n = Fill(Math.Min(bufsize, 1024 * 1024));
        return n < 0 ? throw new UsocketException(Errno.EAGAIN) : Take(Math.Min(bufsize, Buffered));
    }

    /// <summary>Receives decrypted bytes into caller memory, as the plain socket's <c>RecvInto</c>: whatever is there
    /// (short reads are normal), no allocation. An extension.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>Bytes received; 0 at end of stream.</returns>
    /// <exception cref="UsocketException">As for <see cref="Recv"/>.</exception>
    public int RecvInto(Span<byte> buffer)
    {
        Live();
        if (Buffered > 0 || buffer.IsEmpty)
        {
            return TakeInto(buffer);
        }

        if (!Handshaken())
        {
            throw new UsocketException(Errno.EAGAIN);
        }

        _transport.BeginRead(_timeout);
        int n = ReceiveSome(buffer);
        return n < 0 ? throw new UsocketException(Errno.EAGAIN) : n;
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
            _transport.BeginWrite(_timeout);
            Guard(_transport.FlushPending);
            try
            {
                _ssl.ShutdownAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or AuthenticationException)
            {
                throw TlsFailure.Translate(e, TlsFailure.Rejection.None, null);
            }
        }

        _sock.Shutdown(how);
    }

    /// <summary>Sets blocking or non-blocking mode, as the module's <c>setblocking(flag)</c>.</summary>
    /// <param name="flag"><c>true</c> is <c>SetTimeout(null)</c>, <c>false</c> is <c>SetTimeout(0)</c>.</param>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public void SetBlocking(bool flag) => SetTimeout(flag ? null : 0);

    /// <summary>Sets the timeout of the handshake and of every call. An extension on the device (its wrapped socket
    /// takes the plain socket's).</summary>
    /// <param name="seconds"><c>null</c> blocks; 0 is non-blocking; positive raises 110 when a call waits longer.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seconds"/> is negative, NaN or infinite.</exception>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public void SetTimeout(double? seconds)
    {
        Live();
        if (seconds is double v && (double.IsNaN(v) || v < 0 || v > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), v, "A timeout is null (block), 0 (non-blocking) or a finite number of seconds > 0.");
        }

        lock (_gate)
        {
            _timeout = seconds;
            if (_background is null || _handshakeDone)
            {
                _sock.SetTimeout(seconds);
            }
        }
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
    /// Idempotent; a call blocked on another thread ends with 9 EBADF.</summary>
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

    /// <inheritdoc/>
    public override string ToString() => $"<USslSocket {_sock} {(_handshakeDone ? _ssl.SslProtocol : "handshaking")}>";

    internal void StartHandshake()
    {
        if (_handshakeDone)
        {
            return;
        }

        lock (_gate)
        {
            if (_background is not null || _handshakeError is not null)
            {
                return;
            }

            if (_timeout == 0)
            {
                StartBackground();
                return;
            }
        }

        Handshaken();
    }

    // True when the handshake is done (doing it now when blocking or with a timeout); false when non-blocking and
    // still running in the background. Raises the handshake's failure, every time.
    private bool Handshaken()
    {
        if (_handshakeDone)
        {
            return true;
        }

        Task? background;
        lock (_gate)
        {
            if (_handshakeError is not null)
            {
                throw Again(_handshakeError);
            }

            if (_background is null)
            {
                if (_timeout == 0)
                {
                    StartBackground();
                    return false;
                }

                RunHandshake(_timeout, background: false);
                return true;
            }

            background = _background;
        }

        if (!background.IsCompleted)
        {
            double? t = _timeout;
            if (t == 0)
            {
                return false;
            }

            if (!background.Wait(t is double s ? TimeSpan.FromSeconds(s) : System.Threading.Timeout.InfiniteTimeSpan))
            {
                throw new UsocketException(Errno.ETIMEDOUT, "the TLS handshake is still running");
            }
        }

        lock (_gate)
        {
            if (_handshakeError is not null)
            {
                throw Again(_handshakeError);
            }

            _sock.SetTimeout(_timeout);
            return true;
        }
    }

    private void StartBackground()
    {
        // The handshake blocks on its own thread; Close ends it with 9.
        _sock.SetTimeout(null);
        _background = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    RunHandshake(null, background: true);
                }
                catch (UsocketException)
                {
                    // Kept in _handshakeError and raised by the next call.
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    private void RunHandshake(double? timeout, bool background)
    {
        _transport.BeginRead(timeout);
        _transport.BeginWrite(timeout);
        try
        {
            if (_serverSide)
            {
                _ssl.AuthenticateAsServer(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _identity,
                    ClientCertificateRequired = _trust is not null || _options.Strict,
                    EnabledSslProtocols = _options.EnabledProtocols,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                });
            }
            else
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

                _ssl.AuthenticateAsClient(client);
            }

            if (background)
            {
                lock (_gate)
                {
                    // The timeout the program set meanwhile takes effect before anyone sees the handshake done.
                    _sock.SetTimeout(_timeout);
                    _handshakeDone = true;
                }
            }
            else
            {
                _handshakeDone = true;
            }
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or InvalidOperationException)
        {
            var failure = (UsocketException)TlsFailure.Translate(e, _rejection, _rejectionDetail);
            _handshakeError = _closed ? new UsocketException(Errno.EBADF, null, e) : failure;
            throw _handshakeError;
        }
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

    private void SayGoodbye()
    {
        try
        {
            double wait = _options.CloseTimeout.TotalSeconds;
            _sock.SetTimeout(wait);
            _transport.BeginWrite(wait > 0 ? wait : 0);
            if (_transport.FlushPending())
            {
                _ssl.ShutdownAsync().GetAwaiter().GetResult();
                _transport.FlushPending();
            }

            // Bytes left unread in the kernel (TLS 1.3 session tickets the program never read, say) would make the
            // close a reset that destroys what the peer has not read yet: take them first.
            _sock.SetTimeout(0);
            Span<byte> sink = stackalloc byte[4096];
            for (int i = 0; i < 256 && _sock.RecvInto(sink) > 0; i++)
            {
            }
        }
        catch (Exception e) when (e is IOException or AuthenticationException or InvalidOperationException or NotSupportedException or ObjectDisposedException or System.Security.Cryptography.CryptographicException)
        {
            // Best effort: the peer is gone, nothing more to read, or another thread is writing.
        }

        _transport.DropPending();
    }

    // -1 when non-blocking and nothing was there; 0 at end of stream.
    private int ReceiveSome(Span<byte> into)
    {
        if (_deferredReadError is UsocketException deferred)
        {
            _deferredReadError = null;
            throw deferred;
        }

        if (_eof)
        {
            return 0;
        }

        int n;
        try
        {
            n = _ssl.Read(into);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or InvalidOperationException)
        {
            if (_closed)
            {
                throw new UsocketException(Errno.EBADF, null, e);
            }

            var failure = TlsFailure.Translate(e, TlsFailure.Rejection.None, null);
            if (failure is UsocketException { Errno: Errno.EAGAIN })
            {
                return -1;
            }

            _broken |= failure is UsocketException { Errno: < 0 };
            throw failure;
        }

        _eof = n == 0;
        return n;
    }

    // Appends decrypted bytes to the read buffer: the count, 0 at end of stream, -1 when it would block.
    private int Fill(int want)
    {
        want = Math.Max(want, 1);
        if (_rbuf is null)
        {
            _rbuf = new byte[Math.Max(InitialReadBuffer, Math.Min(want, 1024 * 1024))];
        }
        else if (_rstart == _rend)
        {
            _rstart = _rend = 0;
        }

        if (_rbuf.Length - _rend < Math.Min(want, InitialReadBuffer))
        {
            if (_rstart > 0)
            {
                _rbuf.AsSpan(_rstart, Buffered).CopyTo(_rbuf);
                _rend -= _rstart;
                _rstart = 0;
            }

            if (_rbuf.Length - _rend < Math.Min(want, InitialReadBuffer))
            {
                Array.Resize(ref _rbuf, Math.Max(_rbuf.Length * 2, _rend + Math.Min(want, InitialReadBuffer)));
            }
        }

        int n = ReceiveSome(_rbuf.AsSpan(_rend));
        if (n > 0)
        {
            _rend += n;
        }

        return n;
    }

    private int TakeInto(Span<byte> into)
    {
        int n = Math.Min(into.Length, Buffered);
        if (n > 0)
        {
            _rbuf.AsSpan(_rstart, n).CopyTo(into);
            _rstart += n;
        }

        return n;
    }

    private byte[] Take(int count)
    {
        if (count == 0)
        {
            return [];
        }

        byte[] result = _rbuf.AsSpan(_rstart, count).ToArray();
        _rstart += count;
        return result;
    }

    private void WriteCore(ReadOnlySpan<byte> data)
    {
        try
        {
            _ssl.Write(data);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
        {
            Exception failure = _closed ? new UsocketException(Errno.EBADF, null, e) : TlsFailure.Translate(e, TlsFailure.Rejection.None, null);
            _broken |= failure is UsocketException { Errno: < 0 };
            throw failure;
        }
    }

    private static bool Guard(Func<bool> flush)
    {
        try
        {
            return flush();
        }
        catch (ObjectDisposedException e)
        {
            throw new UsocketException(Errno.EBADF, null, e);
        }
    }

    private void Live()
    {
        if (_closed)
        {
            throw new UsocketException(Errno.EBADF);
        }
    }

    private static UsocketException Again(UsocketException e) => new(e.Errno, e.Message, e);

    private static UsocketException LineTooLong(int max) =>
        new(Errno.ENOBUFS, $"line longer than MaxLineLength ({max} bytes)");
}
