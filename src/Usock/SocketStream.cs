namespace Usock;

/// <summary>The <see cref="USocket.MakeFile"/> stream: read-only ("rb") or write-only ("wb"), over the socket's
/// own read buffer and timeout. Disposing it leaves the socket open.</summary>
internal sealed class SocketStream : Stream
{
    private readonly USocket _socket;
    private readonly bool _readable;
    private bool _disposed;

    public SocketStream(USocket socket, bool readable)
    {
        _socket = socket;
        _readable = readable;
    }

    public override bool CanRead => _readable && !_disposed;

    public override bool CanWrite => !_readable && !_disposed;

    public override bool CanSeek => false;

    public override bool CanTimeout => true;

    public override long Length => throw new NotSupportedException("A socket stream has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A socket stream has no position.");
        set => throw new NotSupportedException("A socket stream has no position.");
    }

    public override int ReadTimeout
    {
        get => TimeoutMs();
        set => SetTimeoutMs(value);
    }

    public override int WriteTimeout
    {
        get => TimeoutMs();
        set => SetTimeoutMs(value);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_readable)
        {
            throw new NotSupportedException("This stream was made with mode \"wb\": it cannot read.");
        }

        return _socket.StreamRead(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readable)
        {
            throw new NotSupportedException("This stream was made with mode \"rb\": it cannot write.");
        }

        _socket.StreamWrite(buffer);
    }

    public override void Flush()
    {
        // Writes go straight to the socket: nothing to flush.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A socket stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A socket stream has no length.");

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }

    private int TimeoutMs()
    {
        double? t = _socket.Timeout;
        return t is null ? System.Threading.Timeout.Infinite : (int)Math.Min(t.Value * 1000, int.MaxValue);
    }

    private void SetTimeoutMs(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, System.Threading.Timeout.Infinite);
        _socket.SetTimeout(value == System.Threading.Timeout.Infinite ? null : value / 1000.0);
    }
}
