using System.Runtime.CompilerServices;

namespace Usock;

public sealed partial class USocket
{
    private const int MaxDatagram = 65536; // an IPv4 or IPv6 UDP payload is at most 65,527 bytes

    // The one read buffer under Read, ReadLine, ReadInto, Recv and the MakeFile stream (the TLS socket has one of the
    // same kind): bytes that arrived but were not handed out yet, and an error a short ReadInto kept for the next read.
    private readonly ReadBuffer _rb = new();

    private int Buffered => _rb.Count;

    /// <summary>True when the stream methods hold bytes not handed out yet (a poller counts them as readable).</summary>
    internal bool HasBufferedData => _rb.Count > 0;

    /// <summary>Reads bytes, as the module's <c>read([size])</c>.</summary>
    /// <param name="size">How many bytes; negative (the default) reads until end of stream, as <c>readall()</c>.</param>
    /// <returns><paramref name="size"/> bytes, fewer only at end of stream (or, non-blocking, when no more are
    /// there); empty at end of stream; <c>null</c> when non-blocking and nothing is there.</returns>
    /// <remarks>When the timeout passes part-way, the call raises 110 and what it read stays buffered for the next
    /// call: nothing is lost. Reading to end of stream stops at <see cref="MaxReadAllBytes"/> with 105 ENOBUFS
    /// (again keeping what it read).</remarks>
    /// <exception cref="UsocketException">110 ETIMEDOUT; 105 ENOBUFS; 104 ECONNRESET; 107 ENOTCONN; 9 EBADF.</exception>
    public byte[]? Read(int size = -1)
    {
        Live();
        if (size == 0)
        {
            return [];
        }

        bool all = size < 0;
        int limit = all ? _maxReadAllBytes : size;
        Deadline deadline = _core.StartDeadline();
        while (all || Buffered < size)
        {
            if (all && Buffered > limit)
            {
                throw ReadBuffer.TooMuch(limit);
            }

            // Reading to end of stream asks for one byte beyond the limit: only that byte proves the stream is longer.
            int err = Fill(deadline, all ? ReadBuffer.LineFillLimit(limit) : limit, out int n);
            if (err == 0 && n > 0)
            {
                continue;
            }

            if (err == 0)
            {
                break; // end of stream
            }

            if (err == Errno.EAGAIN)
            {
                if (Buffered > 0)
                {
                    break;
                }

                return null;
            }

            throw Error(err);
        }

        return TakeBuffered(all ? Buffered : size);
    }

    /// <summary>Reads into a buffer, as the module's <c>readinto(buf[, nbytes])</c>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="nbytes">How many to read; -1 (the default) means the whole buffer.</param>
    /// <returns>The count: <paramref name="nbytes"/>, fewer only at end of stream, when non-blocking and no more
    /// are there, or when the timeout or an error struck after some bytes arrived (those bytes are in the buffer;
    /// the error (a reset included) is raised by the next read); <c>null</c> when non-blocking and nothing is there.</returns>
    /// <remarks>Receives straight into <paramref name="buffer"/>; allocates nothing.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nbytes"/> is below -1 or larger than the buffer.</exception>
    /// <exception cref="UsocketException">110 ETIMEDOUT before any byte; 104 ECONNRESET; 107 ENOTCONN; 9 EBADF.</exception>
    public int? ReadInto(Span<byte> buffer, int nbytes = -1)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfLessThan(nbytes, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nbytes, buffer.Length);
        Span<byte> want = nbytes < 0 ? buffer : buffer[..nbytes];
        int got = TakeBuffered(want);
        if (got == want.Length)
        {
            return got;
        }

        Deadline deadline = _core.StartDeadline();
        while (true)
        {
            int err = ReceiveInto(want[got..], deadline, out int n);
            if (ReadIntoStep(new SyncReceiver(), err, n, want.Length, ref got, out int? result))
            {
                return result;
            }
        }
    }

    /// <summary>
    /// The rule of <c>readinto</c> after one receive, written once for <see cref="ReadInto(Span{byte}, int)"/> and
    /// <see cref="ReadIntoAsync"/> (a span cannot cross an await, so each runs its own two-line loop): true when the
    /// call ends, with its result. Data counts; end of stream or a full buffer ends it; an error after some bytes is
    /// kept for the next read and the short count returned; before any byte, "would block" is <c>null</c> and anything
    /// else is raised.
    /// </summary>
    private bool ReadIntoStep<TIo>(TIo io, int err, int n, int want, ref int got, out int? result)
        where TIo : IReceiver
    {
        if (err == 0)
        {
            got += n;
            result = got;
            return n == 0 || got == want;
        }

        if (got > 0)
        {
            DeferReadError(err); // raised by the next read
            result = got;
            return true;
        }

        result = null;
        return err == Errno.EAGAIN ? true : throw io.Error(this, err);
    }

    /// <summary>Reads into a byte array. See <see cref="ReadInto(Span{byte}, int)"/>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="nbytes">How many to read; -1 means the whole array.</param>
    /// <returns>As for the span overload.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As for the span overload.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? ReadInto(byte[] buffer, int nbytes = -1) => Surface.ReadInto(this, buffer, nbytes);

    /// <summary>Reads a line, as the module's <c>readline()</c>: up to and including <c>\n</c>.</summary>
    /// <returns>The line with its <c>\n</c>; what remains at end of stream (empty when nothing does);
    /// <c>null</c> when non-blocking and no complete line is there.</returns>
    /// <remarks>
    /// <para>Buffered: one receive brings many lines, not one receive per byte as on the device.</para>
    /// <para>Non-blocking, a partial line stays buffered and the call returns <c>null</c> (the firmware would
    /// return the partial line). A timeout part-way raises 110 and keeps the partial line buffered.</para>
    /// <para>A line longer than <see cref="MaxLineLength"/> raises 105 ENOBUFS and stays buffered; read it with
    /// <see cref="Read"/> or raise the limit.</para>
    /// </remarks>
    /// <exception cref="UsocketException">110 ETIMEDOUT; 105 ENOBUFS; 104 ECONNRESET; 107 ENOTCONN; 9 EBADF.</exception>
    public byte[]? ReadLine()
    {
        Live();
        int scanned = 0;
        return _rb.TryTakeLine(ref scanned, _maxLineLength, out byte[]? line)
            ? line
            : Completed(ReadLineCore(new SyncReceiver(), _core.StartDeadline(), scanned));
    }

    /// <summary>The one <c>readline</c>, for <see cref="ReadLine"/> and <see cref="ReadLineAsync"/>: scan what is
    /// buffered, fill up to one byte beyond <see cref="MaxLineLength"/> (a <c>\n</c> or more data there make the line
    /// too long, end of stream does not), scan again. A partial line stays buffered on a timeout or an error.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<byte[]?> ReadLineCore<TIo>(TIo io, Deadline deadline, int scanned)
        where TIo : IReceiver
    {
        while (true)
        {
            if (_rb.TryTakeLine(ref scanned, _maxLineLength, out byte[]? line))
            {
                return line;
            }

            (int err, int n) = await io.Receive(this, FreeSpace(ReadBuffer.LineFillLimit(_maxLineLength)), deadline).ConfigureAwait(false);
            if (err == 0 && n > 0)
            {
                Filled(n);
                continue;
            }

            if (err == 0)
            {
                return _rb.Take(_rb.Count);
            }

            return err == Errno.EAGAIN ? null : throw io.Error(this, err);
        }
    }

    /// <summary>Writes data, as the module's <c>write(buf)</c>: no short writes on a blocking socket.</summary>
    /// <param name="buffer">The bytes to write.</param>
    /// <returns>Bytes written: all of them when blocking; when non-blocking, or when the timeout or an error strikes
    /// part-way, what went out (an error that lasts is raised by the next call); <c>null</c> when nothing could be
    /// written without blocking.</returns>
    /// <exception cref="UsocketException">110 ETIMEDOUT before any byte; 32 EPIPE; 104 ECONNRESET; 9 EBADF.</exception>
    public int? Write(ReadOnlySpan<byte> buffer)
    {
        Live();
        int err = SendAllCore(buffer, out int sent);
        if (err == 0 || sent > 0)
        {
            return sent;
        }

        return err == Errno.EAGAIN ? null : throw Error(err);
    }

    /// <summary>Writes a byte array. See <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="buffer">The bytes to write.</param>
    /// <returns>As for the span overload.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? Write(byte[] buffer) => Surface.Write(this, buffer);

    /// <summary>Writes a string as UTF-8. See <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="text">The text to write.</param>
    /// <returns>As for the span overload, counted in UTF-8 bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? Write(string text) => Surface.Write(this, text);

    /// <summary>A <see cref="Stream"/> over the socket, as the module's <c>makefile(mode)</c>.</summary>
    /// <param name="mode"><c>"rb"</c> for a readable stream or <c>"wb"</c> for a writable one.</param>
    /// <returns>A stream sharing the socket's read buffer and honouring its timeout. Disposing it does not close
    /// the socket.</returns>
    /// <remarks>A read that would block on a non-blocking socket raises 11 EAGAIN (a Stream cannot return null);
    /// a read that times out raises 110. Both are <see cref="UsocketException"/>, an <see cref="IOException"/>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="mode"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is neither "rb" nor "wb".</exception>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public Stream MakeFile(string mode = "rb")
    {
        Live();
        ArgumentNullException.ThrowIfNull(mode);
        return mode switch
        {
            "rb" => new SocketStream(this, readable: true),
            "wb" => new SocketStream(this, readable: false),
            _ => throw new ArgumentException($"Mode '{mode}' is not supported: use \"rb\" or \"wb\".", nameof(mode)),
        };
    }

    // The MakeFile stream's read: what is there (buffered first), at least one byte, 0 at end of stream.
    internal int StreamRead(Span<byte> buffer)
    {
        Live();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (Buffered > 0)
        {
            return TakeBuffered(buffer);
        }

        int err = ReceiveInto(buffer, _core.StartDeadline(), out int n);
        return err == 0 ? n : throw Error(err);
    }

    // The MakeFile stream's write: all of it, or an exception.
    internal void StreamWrite(ReadOnlySpan<byte> buffer)
    {
        Live();
        int err = SendAllCore(buffer, out _);
        if (err != 0)
        {
            throw Error(err);
        }
    }

    /// <summary>
    /// One receive into the buffer's free space, keeping at most <paramref name="limit"/> bytes buffered.
    /// 0 with n bytes added (n = 0: end of stream), or an errno; the caller must have room under the limit.
    /// On a datagram socket the receive has room for the largest datagram, whatever the limit: a datagram is
    /// never cut short, and what the caller does not take stays buffered.
    /// </summary>
    private int Fill(in Deadline deadline, int limit, out int n)
    {
        int err = ReceiveSome(FreeSpace(limit).Span, deadline, out n);
        if (err == 0 && n > 0)
        {
            Filled(n);
        }

        return err;
    }

    /// <summary>The buffer's free space for one fill (see <see cref="Fill"/>), made or grown as needed.</summary>
    private Memory<byte> FreeSpace(int limit) => _core.IsStream ? _rb.Free(limit) : _rb.FreeAtLeast(MaxDatagram);

    /// <summary>Keeps n bytes a fill received: a poller counts buffered bytes as readable.</summary>
    private void Filled(int n)
    {
        _rb.Commit(n);
        _core.NotifyBuffered();
    }

    // A receive into caller memory for the stream methods: straight in on TCP; on a datagram socket through the buffer,
    // so a datagram longer than the caller's room is not cut short (the rest stays buffered for the next read).
    private int ReceiveInto(Span<byte> destination, in Deadline deadline, out int n)
    {
        if (_core.IsStream)
        {
            return ReceiveSome(destination, deadline, out n);
        }

        int err = Fill(deadline, int.MaxValue, out n);
        if (err == 0 && n > 0)
        {
            n = TakeBuffered(destination);
        }

        return err;
    }

    private byte[] TakeBuffered(int count) => _rb.Take(count);

    private int TakeBuffered(Span<byte> destination) => _rb.Take(destination);

    // A composite run with the synchronous receiver never awaits anything that is not complete.
    private static T Completed<T>(ValueTask<T> task) =>
        task.IsCompleted ? task.Result : throw new InvalidOperationException("a synchronous read did not complete synchronously");

    // The one step that differs between a synchronous and an async stream read: one receive within the call's deadline
    // (an error a short ReadInto kept comes first), as (errno, count), and how an errno is raised.
    private interface IReceiver
    {
        ValueTask<(int Errno, int Count)> Receive(USocket socket, Memory<byte> into, Deadline deadline);

        Exception Error(USocket socket, int errno);
    }

    private readonly struct SyncReceiver : IReceiver
    {
        public ValueTask<(int Errno, int Count)> Receive(USocket socket, Memory<byte> into, Deadline deadline)
        {
            int e = socket.ReceiveSome(into.Span, deadline, out int n);
            return new((e, n));
        }

        public Exception Error(USocket socket, int errno) => socket.Error(errno);
    }

    private readonly struct AsyncReceiver(CancellationToken cancellationToken) : IReceiver
    {
        public ValueTask<(int Errno, int Count)> Receive(USocket socket, Memory<byte> into, Deadline deadline) =>
            socket.ReceiveSomeAsync(into, deadline, cancellationToken);

        public Exception Error(USocket socket, int errno) => socket.AsyncError(errno, cancellationToken);
    }
}
