using System.Diagnostics;

namespace Usock;

/// <summary>
/// The stream <see cref="System.Net.Security.SslStream"/> reads and writes: the wrapped <see cref="USocket"/>
/// through its public members only (<see cref="USocket.RecvInto(Span{byte})"/>, <see cref="USocket.SendAll(ReadOnlySpan{byte})"/>,
/// <see cref="USocket.Write(ReadOnlySpan{byte})"/>, <see cref="USocket.SetTimeout"/>).
/// </summary>
/// <remarks>
/// <para>Each <see cref="USslSocket"/> call sets one deadline per direction (<see cref="BeginRead"/>,
/// <see cref="BeginWrite"/>); every wait inside it gets what is left, so a call that needs several records still
/// times out once, as the plain socket's calls do.</para>
/// <para>Encrypted bytes the kernel cannot take without blocking (non-blocking mode) or before the deadline are
/// kept in a pending buffer and sent first by the next write: a TLS record is never cut in half on the wire, so
/// the connection stays usable after 11 or 110 on a write.</para>
/// <para>Errors pass through <see cref="System.Net.Security.SslStream"/> unchanged: a
/// <see cref="UsocketException"/> is an <see cref="IOException"/>, which it rethrows as it is.</para>
/// </remarks>
internal sealed class TlsTransport : Stream
{
    private readonly USocket _sock;
    private double? _readTimeout;
    private long _readDeadline;
    private double? _writeTimeout;
    private long _writeDeadline;
    private byte[] _pending = [];
    private int _pendingStart;
    private int _pendingEnd;

    public TlsTransport(USocket sock) => _sock = sock;

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

    /// <summary>Starts a read-side call with the wrapper's timeout (null blocks, 0 is non-blocking).</summary>
    public void BeginRead(double? timeout)
    {
        _readTimeout = timeout;
        _readDeadline = DeadlineFor(timeout);
    }

    /// <summary>Starts a write-side call with the wrapper's timeout.</summary>
    public void BeginWrite(double? timeout)
    {
        _writeTimeout = timeout;
        _writeDeadline = DeadlineFor(timeout);
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        Arm(_readTimeout, _readDeadline);
        try
        {
            return _sock.RecvInto(buffer);
        }
        catch (UsocketException e) when (e.Errno == Errno.ENOTCONN)
        {
            // The device profile's first end of stream: for TLS it is simply the end of the transport.
            return 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

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

        if (_writeTimeout is null)
        {
            _sock.SendAll(buffer);
            return;
        }

        int sent = SendSome(buffer);
        if (sent < buffer.Length)
        {
            Queue(buffer[sent..]);
            if (_writeTimeout > 0)
            {
                throw new UsocketException(Errno.ETIMEDOUT);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends queued encrypted bytes. True when none are left; raises 110 in timeout mode when the deadline
    /// passes first; false when non-blocking and the kernel takes no more.</summary>
    public bool FlushPending()
    {
        while (Pending > 0)
        {
            ReadOnlySpan<byte> rest = _pending.AsSpan(_pendingStart, Pending);
            if (_writeTimeout is null)
            {
                _sock.SendAll(rest);
                _pendingStart = _pendingEnd = 0;
                return true;
            }

            int sent = SendSome(rest);
            _pendingStart += sent;
            if (sent < rest.Length)
            {
                return _writeTimeout > 0 ? throw new UsocketException(Errno.ETIMEDOUT) : false;
            }
        }

        _pendingStart = _pendingEnd = 0;
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

    // Non-blocking or timeout mode: what the kernel takes before the deadline (never raises 11 or 110).
    private int SendSome(ReadOnlySpan<byte> data)
    {
        int total = 0;
        while (total < data.Length)
        {
            if (_writeTimeout > 0 && !Arm(_writeTimeout, _writeDeadline, raise: false))
            {
                break;
            }

            int? n;
            try
            {
                n = _sock.Write(data[total..]);
            }
            catch (UsocketException e) when (e.Errno == Errno.ETIMEDOUT && total > 0)
            {
                break;
            }
            catch (UsocketException e) when (e.Errno == Errno.ETIMEDOUT)
            {
                return 0;
            }

            if (n is not int sent || sent == 0)
            {
                break;
            }

            total += sent;
            if (_writeTimeout == 0)
            {
                continue; // the kernel may take more; Write returns null when it does not
            }
        }

        return total;
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

    // Timeout mode: the socket's timeout becomes what is left of this call's deadline. False (or 110) when none is.
    private bool Arm(double? timeout, long deadline, bool raise = true)
    {
        if (timeout is not > 0)
        {
            return true;
        }

        double left = (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency;
        if (left <= 0)
        {
            return raise ? throw new UsocketException(Errno.ETIMEDOUT) : false;
        }

        _sock.SetTimeout(left);
        return true;
    }

    private static long DeadlineFor(double? timeout) =>
        timeout is > 0 and double t ? Stopwatch.GetTimestamp() + (long)(t * Stopwatch.Frequency) : 0;
}
