using System.Runtime.ExceptionServices;
using System.Security.Authentication;

namespace Usock;

/// <summary>
/// The read side: <c>read</c>, <c>readinto</c>, <c>readline</c>, <c>recv</c>. Each call takes its turn on the read
/// lock, gives the transport its deadline, and runs one composite written once for the synchronous and the async
/// member over a decryptor (<see cref="SyncDecryptor"/> or <see cref="AsyncDecryptor"/>, as <c>SslStream</c>'s
/// <c>IReadWriteAdapter</c>), on the socket surface's one read buffer (<see cref="ReadBuffer"/>).
/// </summary>
public sealed partial class USslSocket
{
    // The most plaintext one TLS record carries: every decrypting read has room for a whole record, so SslStream never
    // keeps decrypted bytes of its own (a poller sees them in this socket's buffer, or nowhere).
    private const int MaxPlaintext = 16 * 1024;

    // The one step that differs between a synchronous and an async read: n decrypted bytes, 0 at end of stream, -1
    // when non-blocking and none are there.
    private interface IDecryptor
    {
        ValueTask<int> Decrypt(USslSocket tls, Memory<byte> into);
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

        if (!BeginRead(_core.StartDeadline()))
        {
            return null;
        }

        try
        {
            return Completed(ReadCore(new SyncDecryptor(), size));
        }
        finally
        {
            _reading.Release();
        }
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
        if (want.IsEmpty)
        {
            return 0;
        }

        if (!BeginRead(_core.StartDeadline()))
        {
            return null;
        }

        try
        {
            int got = _rb.Take(want);
            int? result = got;
            while (got < want.Length && !ReadIntoStep(TryDecryptInto(want[got..], out int n), n, want.Length, ref got, out result))
            {
            }

            return result;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Reads into a byte array. See <see cref="ReadInto(Span{byte}, int)"/>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="nbytes">How many; -1 means the whole array.</param>
    /// <returns>As for the span overload.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? ReadInto(byte[] buffer, int nbytes = -1) => Surface.ReadInto(this, buffer, nbytes);

    /// <summary>Reads a line, as the module's <c>readline()</c>: up to and including <c>\n</c>.</summary>
    /// <returns>The line; what remains at end of stream (empty when nothing does); <c>null</c> when non-blocking
    /// and no complete line is decrypted (a partial line stays buffered).</returns>
    /// <remarks>A line longer than the socket's <see cref="USocket.MaxLineLength"/> raises 105 ENOBUFS and stays
    /// buffered. A timeout part-way raises 110 and keeps the partial line.</remarks>
    /// <exception cref="UsocketException">110; 105; 104; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public byte[]? ReadLine()
    {
        Live();
        if (!BeginRead(_core.StartDeadline()))
        {
            return null;
        }

        try
        {
            return Completed(ReadLineCore(new SyncDecryptor()));
        }
        finally
        {
            _reading.Release();
        }
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
        if (!BeginRead(_core.StartDeadline()))
        {
            throw new UsocketException(Errno.EAGAIN);
        }

        try
        {
            return Completed(RecvCore(new SyncDecryptor(), bufsize));
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Receives decrypted bytes into caller memory, as the plain socket's <c>RecvInto</c>: whatever is there
    /// (short reads are normal), no allocation. An extension.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>Bytes received; 0 at end of stream.</returns>
    /// <exception cref="UsocketException">As for <see cref="Recv"/>.</exception>
    public int RecvInto(Span<byte> buffer)
    {
        Live();
        if (!BeginRead(_core.StartDeadline()))
        {
            throw new UsocketException(Errno.EAGAIN);
        }

        try
        {
            if (_rb.Count > 0 || buffer.IsEmpty)
            {
                return _rb.Take(buffer);
            }

            int n = DecryptInto(buffer);
            return n < 0 ? throw new UsocketException(Errno.EAGAIN) : n;
        }
        finally
        {
            _reading.Release();
        }
    }

    // Begins a read-side call: the handshake done, this call's turn on the read lock, the deadline given to the
    // transport. False when non-blocking and the call would have to wait; the caller releases _reading when true.
    private bool BeginRead(in Deadline deadline)
    {
        if (!Handshaken(deadline) || !Enter(_reading, deadline))
        {
            return false;
        }

        LiveTurn(_reading);
        _transport.BeginRead(deadline);
        return true;
    }

    private async ValueTask<bool> BeginReadAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        if (!await HandshakenAsync(deadline, cancellationToken).ConfigureAwait(false)
            || !await EnterAsync(_reading, deadline, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        LiveTurn(_reading);
        _transport.BeginRead(deadline, cancellationToken);
        return true;
    }

    // A turn taken while Close ran ends with 9 (and gives the turn back).
    private void LiveTurn(SemaphoreSlim turn)
    {
        if (_closed)
        {
            turn.Release();
            throw new UsocketException(Errno.EBADF);
        }
    }

    private async ValueTask<byte[]?> ReadCore<TIo>(TIo io, int size)
        where TIo : IDecryptor
    {
        bool all = size < 0;
        int limit = all ? _sock.MaxReadAllBytes : size;
        while (all || _rb.Count < size)
        {
            if (all && _rb.Count > limit)
            {
                throw ReadBuffer.TooMuch(limit);
            }

            int n = await io.Decrypt(this, _rb.FreeAtLeast(MaxPlaintext)).ConfigureAwait(false);
            if (n > 0)
            {
                Keep(n);
                continue;
            }

            if (n < 0 && _rb.Count == 0)
            {
                return null;
            }

            break;
        }

        return _rb.Take(all ? _rb.Count : size);
    }

    private async ValueTask<byte[]?> ReadLineCore<TIo>(TIo io)
        where TIo : IDecryptor
    {
        int max = _sock.MaxLineLength;
        int scanned = 0;
        byte[]? line;
        while (!_rb.TryTakeLine(ref scanned, max, out line))
        {
            int n = await io.Decrypt(this, _rb.FreeAtLeast(MaxPlaintext)).ConfigureAwait(false);
            if (n == 0)
            {
                return _rb.Take(_rb.Count);
            }

            if (n < 0)
            {
                return null;
            }

            Keep(n);
        }

        return line;
    }

    private async ValueTask<byte[]> RecvCore<TIo>(TIo io, int bufsize)
        where TIo : IDecryptor
    {
        if (_rb.Count == 0 && bufsize > 0)
        {
            int n = await io.Decrypt(this, _rb.FreeAtLeast(MaxPlaintext)).ConfigureAwait(false);
            Keep(n < 0 ? throw new UsocketException(Errno.EAGAIN) : n);
        }

        return _rb.Take(bufsize);
    }

    // Decrypted bytes kept in the buffer: a poller counts them as readable (the kernel no longer does).
    private void Keep(int n)
    {
        _rb.Commit(n);
        _core.NotifyBuffered();
    }

    // A composite run with the synchronous decryptor never awaits anything that is not complete.
    private static T Completed<T>(ValueTask<T> task) =>
        task.IsCompleted ? task.Result : throw new InvalidOperationException("a synchronous read did not complete synchronously");

    /// <summary>
    /// The rule of <c>readinto</c> after one decrypting read (<paramref name="n"/> bytes, 0 at end of stream, -1 when
    /// non-blocking and none are there, or the <paramref name="error"/> it raised), written once for
    /// <see cref="ReadInto(Span{byte}, int)"/> and <see cref="ReadIntoAsync"/> (a span cannot cross an await, so each
    /// runs its own loop), as <c>USocket.ReadIntoStep</c> for a plain socket: true when the call ends, with its result.
    /// Bytes count; end of stream or a full buffer ends it; an error after some bytes is kept for the next read and the
    /// short count returned; before any byte, "none there" is <c>null</c> and an error is raised.
    /// </summary>
    private bool ReadIntoStep(Exception? error, int n, int want, ref int got, out int? result)
    {
        if (error is not null)
        {
            if (got == 0)
            {
                ExceptionDispatchInfo.Throw(error);
            }

            _rb.DeferredError = (error as UsocketException)?.Errno ?? 0; // raised by the next read
            result = got;
            return true;
        }

        if (n <= 0)
        {
            result = n < 0 && got == 0 ? null : got;
            return true;
        }

        got += n;
        result = got;
        return got == want;
    }

    // One decrypting read into caller memory for ReadInto: an error it raises is returned, for ReadIntoStep.
    private UsocketException? TryDecryptInto(Span<byte> destination, out int n)
    {
        try
        {
            n = DecryptInto(destination);
            return null;
        }
        catch (UsocketException e)
        {
            n = 0;
            return e;
        }
    }

    private async ValueTask<(Exception? Error, int N)> TryDecryptIntoAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            return (null, await DecryptIntoAsync(destination, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is UsocketException or OperationCanceledException)
        {
            return (e, 0);
        }
    }

    // A decrypting read into caller memory: straight in when it holds a whole record, else through the buffer.
    private int DecryptInto(Span<byte> destination) =>
        destination.Length >= MaxPlaintext ? Decrypt(destination) : Handed(Decrypt(_rb.FreeAtLeast(MaxPlaintext).Span), destination);

    private async ValueTask<int> DecryptIntoAsync(Memory<byte> destination, CancellationToken cancellationToken) =>
        destination.Length >= MaxPlaintext
            ? await DecryptAsync(destination, cancellationToken).ConfigureAwait(false)
            : Handed(await DecryptAsync(_rb.FreeAtLeast(MaxPlaintext), cancellationToken).ConfigureAwait(false), destination.Span);

    // n bytes decrypted into the buffer, handed to the caller as far as they fit (the rest stays buffered).
    private int Handed(int n, Span<byte> destination)
    {
        if (n <= 0)
        {
            return n;
        }

        Keep(n);
        return _rb.Take(destination);
    }

    // Before a decrypting read, for Decrypt and DecryptAsync: an error a short ReadInto kept is raised now; true once the
    // stream has ended (nothing more to decrypt).
    private bool Ended()
    {
        int deferred = _rb.TakeDeferredError();
        return deferred != 0 ? throw new UsocketException(deferred) : _eof;
    }

    // After a decrypting read: 0 is the end of the stream, for good.
    private int Decrypted(int n)
    {
        _eof = n == 0;
        return n;
    }

    // One decrypting read: n bytes, 0 at end of stream, -1 when non-blocking and nothing is there.
    private int Decrypt(Span<byte> into)
    {
        if (Ended())
        {
            return 0;
        }

        try
        {
            return Decrypted(_ssl.Read(into));
        }
        catch (Exception e) when (TlsFailure.IsFailure(e))
        {
            return WouldBlock(e);
        }
    }

    private async ValueTask<int> DecryptAsync(Memory<byte> into, CancellationToken cancellationToken)
    {
        if (Ended())
        {
            return 0;
        }

        try
        {
            return Decrypted(await _ssl.ReadAsync(into, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (TlsFailure.IsFailure(e))
        {
            return WouldBlock(e);
        }
    }

    // -1 for "non-blocking and nothing there"; anything else is raised as the façade's error.
    private int WouldBlock(Exception e)
    {
        Exception failure = Failed(e);
        return failure is UsocketException { Errno: Errno.EAGAIN } ? -1 : throw failure;
    }

    private readonly struct SyncDecryptor : IDecryptor
    {
        public ValueTask<int> Decrypt(USslSocket tls, Memory<byte> into) => new(tls.Decrypt(into.Span));
    }

    private readonly struct AsyncDecryptor(CancellationToken cancellationToken) : IDecryptor
    {
        public ValueTask<int> Decrypt(USslSocket tls, Memory<byte> into) => tls.DecryptAsync(into, cancellationToken);
    }
}
