namespace Usock;

/// <summary>
/// The one read buffer under the stream methods (<c>read</c>, <c>readinto</c>, <c>readline</c>, <c>recv</c> and the
/// <c>makefile</c> stream) of the plain and the TLS socket: bytes at [start, end) arrived but were not handed out yet.
/// It grows, compacts, scans for a line within a size limit, hands bytes out, and keeps an error a short read met for
/// the next read. It never does I/O: the socket fills <see cref="Free"/> and calls <see cref="Commit"/>.
/// </summary>
internal sealed class ReadBuffer
{
    private const int Initial = 16 * 1024;

    private byte[]? _buf;
    private int _start;
    private int _end;

    /// <summary>Bytes held.</summary>
    public int Count => _end - _start;

    /// <summary>An errno a short read met after some bytes (0: none), raised by the next read.</summary>
    public int DeferredError { get; set; }

    /// <summary>The held bytes.</summary>
    public ReadOnlySpan<byte> Held => _buf.AsSpan(_start, Count);

    /// <summary>The free space after the held bytes, at least one byte, keeping at most <paramref name="limit"/> held.</summary>
    public Memory<byte> Free(int limit)
    {
        MakeRoom(limit);
        return _buf.AsMemory(_end, Math.Max(1, Math.Min(_buf!.Length - _end, limit - Count)));
    }

    /// <summary>The free space after the held bytes, at least <paramref name="free"/> bytes (a whole datagram).</summary>
    public Memory<byte> FreeAtLeast(int free)
    {
        int held = Count;
        if (_buf is null || _buf.Length - _end < free)
        {
            byte[] target = _buf is not null && _buf.Length - held >= free ? _buf : new byte[held + free];
            _buf?.AsSpan(_start, held).CopyTo(target);
            _buf = target;
            _start = 0;
            _end = held;
        }

        return _buf.AsMemory(_end);
    }

    /// <summary>Adds <paramref name="n"/> bytes received into <see cref="Free"/>.</summary>
    public void Commit(int n) => _end += n;

    /// <summary>Takes the errno kept by a short read (0 when none).</summary>
    public int TakeDeferredError()
    {
        int e = DeferredError;
        DeferredError = 0;
        return e;
    }

    /// <summary>Hands out up to <paramref name="count"/> bytes.</summary>
    public byte[] Take(int count)
    {
        count = Math.Min(count, Count);
        if (count == 0)
        {
            return [];
        }

        byte[] result = _buf.AsSpan(_start, count).ToArray();
        Consume(count);
        return result;
    }

    /// <summary>Copies up to the destination's length out; the count.</summary>
    public int Take(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, Count);
        if (count > 0)
        {
            _buf.AsSpan(_start, count).CopyTo(destination);
            Consume(count);
        }

        return count;
    }

    /// <summary>
    /// Hands out a complete line (with its <c>\n</c>), scanning only bytes not scanned before (<paramref name="scanned"/>).
    /// False when more data is needed; raises 105 ENOBUFS for a line longer than <paramref name="maxLine"/> (it stays held).
    /// </summary>
    public bool TryTakeLine(ref int scanned, int maxLine, out byte[]? line)
    {
        line = null;
        if (Count > scanned)
        {
            int at = _buf.AsSpan(_start + scanned, Count - scanned).IndexOf((byte)'\n');
            if (at >= 0)
            {
                int length = scanned + at + 1;
                line = length <= maxLine ? Take(length) : throw LineTooLong(maxLine);
                return true;
            }

            scanned = Count;
        }

        return Count > maxLine ? throw LineTooLong(maxLine) : false;
    }

    /// <summary>How much a fill may hold for a line of at most <paramref name="maxLine"/> bytes: one byte beyond it, so a
    /// <c>\n</c> or more data there make the line too long, and end of stream does not.</summary>
    public static int LineFillLimit(int maxLine) => (int)Math.Min((long)maxLine + 1, int.MaxValue);

    /// <summary>105 for reading to end of stream beyond <paramref name="limit"/> bytes.</summary>
    public static UsocketException TooMuch(int limit) =>
        new(Errno.ENOBUFS, $"more than MaxReadAllBytes ({limit} bytes) before end of stream");

    private static UsocketException LineTooLong(int max) => new(Errno.ENOBUFS, $"line longer than MaxLineLength ({max} bytes)");

    private void MakeRoom(int limit)
    {
        if (_buf is null)
        {
            _buf = new byte[Math.Min(Initial, Math.Max(limit, 1024))];
            return;
        }

        if (_end < _buf.Length)
        {
            return;
        }

        int held = Count;
        if (_start > 0 && held <= _buf.Length / 2)
        {
            _buf.AsSpan(_start, held).CopyTo(_buf);
        }
        else
        {
            var grown = new byte[(int)Math.Min(Math.Max((long)_buf.Length * 2, 1024), Math.Max(limit, _buf.Length + 1))];
            _buf.AsSpan(_start, held).CopyTo(grown);
            _buf = grown;
        }

        _start = 0;
        _end = held;
    }

    private void Consume(int count)
    {
        _start += count;
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }
}
