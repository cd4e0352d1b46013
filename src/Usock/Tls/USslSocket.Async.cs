namespace Usock;

/// <summary>
/// The async members, as <see cref="USocket"/> has them: the same composites as the synchronous members, with the
/// waits for readiness awaited through the socket's readiness queue (no thread blocked). Results and errors are the
/// synchronous member's; the caller's token ends a wait with <see cref="OperationCanceledException"/>.
/// </summary>
public sealed partial class USslSocket
{
    /// <summary>Reads bytes without blocking the caller. Same result and errors as <see cref="Read"/>.</summary>
    /// <param name="size">How many bytes; negative reads until end of stream.</param>
    /// <param name="cancellationToken">Cancels the wait; what was read stays buffered.</param>
    /// <returns>As <see cref="Read"/>.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Read"/>.</exception>
    public async ValueTask<byte[]?> ReadAsync(int size = -1, CancellationToken cancellationToken = default)
    {
        Live();
        if (size == 0)
        {
            return [];
        }

        if (!await BeginReadAsync(_core.StartDeadline(), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await ReadCore(new AsyncDecryptor(cancellationToken), size).ConfigureAwait(false);
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Reads into a buffer without blocking the caller. Same result and errors as <see cref="ReadInto(Span{byte}, int)"/>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="nbytes">How many; -1 (the default) means the whole buffer.</param>
    /// <param name="cancellationToken">Cancels the wait; bytes already read are returned as a short count.</param>
    /// <returns>As <see cref="ReadInto(Span{byte}, int)"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nbytes"/> is below -1 or beyond the buffer.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before any byte.</exception>
    /// <exception cref="UsocketException">As <see cref="ReadInto(Span{byte}, int)"/>.</exception>
    public async ValueTask<int?> ReadIntoAsync(Memory<byte> buffer, int nbytes = -1, CancellationToken cancellationToken = default)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfLessThan(nbytes, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nbytes, buffer.Length);
        Memory<byte> want = nbytes < 0 ? buffer : buffer[..nbytes];
        if (want.IsEmpty)
        {
            return 0;
        }

        if (!await BeginReadAsync(_core.StartDeadline(), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            int got = _rb.Take(want.Span);
            while (got < want.Length)
            {
                (Exception? error, int n) = await TryDecryptIntoAsync(want[got..], cancellationToken).ConfigureAwait(false);
                if (ReadIntoStep(error, n, want.Length, ref got, out int? result))
                {
                    return result;
                }
            }

            return got;
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Reads a line without blocking the caller. Same result and errors as <see cref="ReadLine"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait; a partial line stays buffered.</param>
    /// <returns>As <see cref="ReadLine"/>.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="ReadLine"/>.</exception>
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        Live();
        if (!await BeginReadAsync(_core.StartDeadline(), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await ReadLineCore(new AsyncDecryptor(cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Receives up to <paramref name="bufsize"/> decrypted bytes without blocking the caller. Same result and
    /// errors as <see cref="Recv"/>.</summary>
    /// <param name="bufsize">The most to return (≥ 0).</param>
    /// <param name="cancellationToken">Cancels the wait; no byte is lost.</param>
    /// <returns>As <see cref="Recv"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufsize"/> is negative.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Recv"/>.</exception>
    public async ValueTask<byte[]> RecvAsync(int bufsize, CancellationToken cancellationToken = default)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfNegative(bufsize);
        if (!await BeginReadAsync(_core.StartDeadline(), cancellationToken).ConfigureAwait(false))
        {
            throw new UsocketException(Errno.EAGAIN);
        }

        try
        {
            return await RecvCore(new AsyncDecryptor(cancellationToken), bufsize).ConfigureAwait(false);
        }
        finally
        {
            _reading.Release();
        }
    }

    /// <summary>Writes data without blocking the caller. Same result and errors as <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="buffer">The plaintext.</param>
    /// <param name="cancellationToken">Cancels the wait; a record already made is still sent by the next write.</param>
    /// <returns>As <see cref="Write(ReadOnlySpan{byte})"/>.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Write(ReadOnlySpan{byte})"/>.</exception>
    public async ValueTask<int?> WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Live();
        Deadline deadline = _core.StartDeadline();
        if (deadline.IsNonBlocking)
        {
            return Write(buffer.Span);
        }

        await BeginWriteAsync(deadline, cancellationToken).ConfigureAwait(false);
        try
        {
            if (_transport.Pending > 0)
            {
                await _transport.FlushPendingAsync().ConfigureAwait(false);
            }

            await EncryptAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.Length;
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Sends data without blocking the caller. Same result and errors as <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The plaintext.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Bytes accepted.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Send(ReadOnlySpan{byte})"/>.</exception>
    public async ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        await WriteAsync(data, cancellationToken).ConfigureAwait(false) ?? throw new UsocketException(Errno.EAGAIN);

    /// <summary>Sends all the data without blocking the caller, with one deadline for the whole call. Same errors as
    /// <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The plaintext.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when everything was handed to the kernel.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="SendAll(ReadOnlySpan{byte})"/>.</exception>
    public async ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Live();
        if (_core.TimeoutMs == 0)
        {
            SendAll(data.Span);
            return;
        }

        _ = await WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }
}
