namespace Usock;

/// <summary>
/// The stream <see cref="System.Net.Security.SslStream"/> reads and writes: the socket's <see cref="SocketCore"/>, with
/// an explicit deadline per call and per direction (<see cref="BeginRead"/>, <see cref="BeginWrite"/>). Synchronous
/// reads and writes use the core's synchronous primitives, asynchronous ones its async primitives; nothing here sets
/// the socket's timeout, so a reader and a writer on two threads never change each other's deadline.
/// </summary>
/// <remarks>
/// <para>Each <see cref="USslSocket"/> call starts one deadline per direction on the socket's clock; every wait inside
/// the call gets what is left of it, so a call that needs several records still times out once, as the plain socket's
/// calls do. The deadline fields are written only by the holder of the TLS socket's read (or write) lock.</para>
/// <para>Encrypted bytes the kernel cannot take before the deadline (or at all, non-blocking) are kept in a pending
/// buffer and sent first by the next write: a TLS record is never cut in half on the wire, so the connection stays
/// usable after 11 or 110 on a write.</para>
/// <para>Errors reach <see cref="System.Net.Security.SslStream"/> as <see cref="UsocketException"/> (an
/// <see cref="IOException"/>, which it rethrows as it is); the caller's cancellation as
/// <see cref="OperationCanceledException"/>.</para>
/// </remarks>
internal sealed class TlsTransport(SocketCore core) : Stream
{
    private Deadline _readDeadline = Deadline.Start(-1, TimeProvider.System);
    private Deadline _writeDeadline = Deadline.Start(-1, TimeProvider.System);
    private CancellationToken _readToken;
    private CancellationToken _writeToken;
    private const int RecordHeader = 5;

    private int _headerHave; // bytes of the next record's header handed to SslStream (0..5)
    private int _recordLength; // the length field of that header, as far as handed
    private int _bodyLeft; // bytes of the current record's body not handed yet
    private byte[] _pending = [];
    private int _pendingStart;
    private int _pendingEnd;

    /// <summary>Bytes already encrypted and waiting for the kernel.</summary>
    public int Pending => _pendingEnd - _pendingStart;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Starts a read-side call: its deadline (and, async, the caller's token).</summary>
    public void BeginRead(in Deadline deadline, CancellationToken cancellationToken = default)
    {
        _readDeadline = deadline;
        _readToken = cancellationToken;
    }

    /// <summary>Starts a write-side call.</summary>
    public void BeginWrite(in Deadline deadline, CancellationToken cancellationToken = default)
    {
        _writeDeadline = deadline;
        _writeToken = cancellationToken;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        int e = core.Receive(buffer[..Framed(buffer.Length)], _readDeadline, out int n);
        return e == 0 ? Handed(buffer[..n]) : throw Failure(e, _readToken);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        CancellationToken token = _readToken.CanBeCanceled ? _readToken : cancellationToken;
        (int e, int n) = await core.ReceiveAsync(buffer[..Framed(buffer.Length)], _readDeadline, token).ConfigureAwait(false);
        return e == 0 ? Handed(buffer.Span[..n]) : throw Failure(e, token);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        if (Pending > 0)
        {
            // Order on the wire: what is queued goes first.
            Queue(buffer);
            FlushPending();
            return;
        }

        int sent = 0;
        while (sent < buffer.Length)
        {
            int e = core.Send(buffer[sent..], _writeDeadline, out int n);
            if (e != 0)
            {
                Stalled(e, buffer[sent..]);
                return;
            }

            sent += n;
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        if (Pending > 0)
        {
            Queue(buffer.Span);
            await FlushPendingAsync().ConfigureAwait(false);
            return;
        }

        CancellationToken token = _writeToken.CanBeCanceled ? _writeToken : cancellationToken;
        while (!buffer.IsEmpty)
        {
            (int e, int n) = await core.SendAsync(buffer, _writeDeadline, token).ConfigureAwait(false);
            if (e != 0)
            {
                Stalled(e, buffer.Span, token);
                return;
            }

            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Sends queued encrypted bytes. True when none are left; false when non-blocking and the kernel takes no
    /// more; raises 110 when the deadline passes first.</summary>
    public bool FlushPending()
    {
        while (Pending > 0)
        {
            int e = core.Send(_pending.AsSpan(_pendingStart, Pending), _writeDeadline, out int n);
            if (!Sent(e, n, _writeToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>As <see cref="FlushPending"/>, awaiting readiness.</summary>
    public async ValueTask<bool> FlushPendingAsync()
    {
        while (Pending > 0)
        {
            (int e, int n) = await core.SendAsync(_pending.AsMemory(_pendingStart, Pending), _writeDeadline, _writeToken).ConfigureAwait(false);
            if (!Sent(e, n, _writeToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Forgets queued bytes (the connection is closing or broken).</summary>
    public void DropPending() => _pendingStart = _pendingEnd = 0;

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // Reads stop at the end of the current TLS record plus the next record's header, so SslStream never holds a whole
    // record it has not decrypted while the kernel shows nothing readable: a poller that sees "not readable" (and no
    // decrypted bytes in the TLS socket's buffer) is right. One receive per record in a stream of records.
    private int Framed(int want) =>
        Math.Min(want, _headerHave < RecordHeader ? RecordHeader - _headerHave : _bodyLeft + RecordHeader);

    // Follows the record boundaries through the bytes handed to SslStream; returns their count.
    private int Handed(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (_headerHave < RecordHeader)
            {
                if (_headerHave >= 3)
                {
                    _recordLength = (_recordLength << 8) | bytes[i];
                }

                i++;
                if (++_headerHave == RecordHeader)
                {
                    _bodyLeft = _recordLength;
                    _recordLength = 0;
                    _headerHave = _bodyLeft == 0 ? 0 : RecordHeader;
                }
            }
            else
            {
                int take = Math.Min(_bodyLeft, bytes.Length - i);
                i += take;
                _bodyLeft -= take;
                if (_bodyLeft == 0)
                {
                    _headerHave = 0;
                }
            }
        }

        return bytes.Length;
    }

    // The socket's errno as what SslStream passes on: the caller's cancellation, or a UsocketException.
    private static Exception Failure(int errno, CancellationToken token) =>
        errno == ReadinessQueue.Canceled
            ? new OperationCanceledException("The operation was cancelled.", token)
            : new UsocketException(errno);

    // One flush step's result: true to go on, false when non-blocking and the kernel takes no more.
    private bool Sent(int errno, int n, CancellationToken token)
    {
        if (errno == Errno.EAGAIN)
        {
            return false;
        }

        if (errno != 0)
        {
            throw Failure(errno, token);
        }

        _pendingStart += n;
        if (_pendingStart == _pendingEnd)
        {
            _pendingStart = _pendingEnd = 0;
        }

        return true;
    }

    // A write the kernel stopped taking: the rest of the record is queued (never cut on the wire); 11 returns quietly
    // (the caller sees the queue), 110 and the caller's cancellation raise, anything else is the connection's end.
    private void Stalled(int errno, ReadOnlySpan<byte> rest, CancellationToken token = default)
    {
        if (errno is Errno.EAGAIN or Errno.ETIMEDOUT or ReadinessQueue.Canceled)
        {
            Queue(rest);
            if (errno == Errno.EAGAIN)
            {
                return;
            }
        }

        throw Failure(errno, token);
    }

    private void Queue(ReadOnlySpan<byte> data)
    {
        if (_pendingStart > 0 && _pendingEnd + data.Length > _pending.Length)
        {
            _pending.AsSpan(_pendingStart, Pending).CopyTo(_pending);
            _pendingEnd -= _pendingStart;
            _pendingStart = 0;
        }

        if (_pendingEnd + data.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pendingEnd + data.Length, Math.Max(4096, _pending.Length * 2)));
        }

        data.CopyTo(_pending.AsSpan(_pendingEnd));
        _pendingEnd += data.Length;
    }
}
