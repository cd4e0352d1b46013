namespace Usock.Tests;

// The model's reads: each read style, checked against what the model says it must return.
internal sealed partial class PairModel
{
    // ------------------------------------------------------------------ reads

    private void ReadData(Op op, End me)
    {
        int n = op.Size;
        if (me.Closed)
        {
            Raises(Errno.EBADF, () => ReadOnce(op.Kind, me, n, out _));
            return;
        }

        int k = me.InFlight.Count;
        bool eof = me.FinIn;
        int newline = me.InFlight.IndexOf((byte)'\n');
        bool waits = !eof && op.Kind switch
        {
            OpKind.Recv or OpKind.RecvInto or OpKind.FileRead => n > 0 && k == 0,
            OpKind.Read or OpKind.ReadInto => n > 0 && k < n,
            OpKind.ReadAll => true,
            _ => newline < 0, // ReadLine
        };

        // A wait on a blocking socket would be forever: the model knows it, so the call gets a short timeout instead.
        Mode mode = me.Mode;
        bool lend = waits && mode == Mode.Blocking;
        if (lend)
        {
            me.Sock.SetTimeout(ShortWait);
            mode = Mode.Timeout;
        }

        try
        {
            ReadChecked(op.Kind, me, n, k, eof, newline, mode);
        }
        finally
        {
            if (lend)
            {
                me.Sock.SetBlocking(true);
            }
        }
    }

    private void ReadChecked(OpKind kind, End me, int n, int k, bool eof, int newline, Mode mode)
    {
        int wouldWait = mode == Mode.NonBlocking ? Errno.EAGAIN : Errno.ETIMEDOUT;
        switch (kind)
        {
            case OpKind.Recv or OpKind.RecvInto or OpKind.FileRead:
                if (n == 0)
                {
                    Assert.Equal(0, ReadOnce(kind, me, 0, out _));
                }
                else if (k > 0)
                {
                    int got = ReadOnce(kind, me, n, out byte[]? bytes);
                    Assert.InRange(got, 1, Math.Min(n, k)); // short reads are normal
                    me.Take(bytes!);
                }
                else if (eof && kind != OpKind.FileRead && _profile == UsocketProfile.QuecPython && !me.EofReported)
                {
                    Raises(Errno.ENOTCONN, () => ReadOnce(kind, me, n, out _)); // lwIP's first end of stream
                    me.EofReported = true;
                }
                else if (eof)
                {
                    Assert.Equal(0, ReadOnce(kind, me, n, out _));
                }
                else
                {
                    Raises(wouldWait, () => ReadOnce(kind, me, n, out _));
                }

                break;

            case OpKind.Read or OpKind.ReadInto or OpKind.ReadAll:
                int want = kind == OpKind.ReadAll ? int.MaxValue : n;
                if (want == 0)
                {
                    Assert.Equal(0, ReadOnce(kind, me, 0, out _));
                }
                else if (k >= want || eof)
                {
                    int count = Math.Min(want, k);
                    Assert.Equal(count, ReadOnce(kind, me, n, out byte[]? bytes));
                    me.Take(bytes!);
                }
                else if (mode == Mode.NonBlocking || (kind == OpKind.ReadInto && k > 0))
                {
                    // Non-blocking: what is there, or null. ReadInto also returns a short count when the timeout
                    // strikes after some bytes; Read keeps them buffered and raises 110 (below).
                    int got = ReadOnce(kind, me, n, out byte[]? bytes);
                    Assert.Equal(k == 0 ? -1 : k, got);
                    if (k > 0)
                    {
                        me.Take(bytes!);
                    }
                }
                else
                {
                    Raises(wouldWait, () => ReadOnce(kind, me, n, out _)); // nothing consumed
                }

                break;

            default: // ReadLine
                if (newline >= 0 || eof)
                {
                    int count = newline >= 0 ? newline + 1 : k;
                    Assert.Equal(count, ReadOnce(kind, me, n, out byte[]? line));
                    me.Take(line!);
                }
                else if (mode == Mode.NonBlocking)
                {
                    Assert.Equal(-1, ReadOnce(kind, me, n, out _)); // null: no complete line; the part stays buffered
                }
                else
                {
                    Raises(Errno.ETIMEDOUT, () => ReadOnce(kind, me, n, out _));
                }

                break;
        }
    }

    /// <summary>One read call; returns the count, or -1 for null. <paramref name="bytes"/> is what came back.</summary>
    private static int ReadOnce(OpKind kind, End me, int n, out byte[]? bytes)
    {
        byte[]? result;
        switch (kind)
        {
            case OpKind.Recv:
                result = me.Sock.Recv(n);
                break;
            case OpKind.Read:
                result = me.Sock.Read(n);
                break;
            case OpKind.ReadAll:
                result = me.Sock.Read();
                break;
            case OpKind.ReadLine:
                result = me.Sock.ReadLine();
                break;
            default:
                // Into caller memory: guard bytes after the span must stay untouched.
                byte[] buffer = new byte[n + 2];
                buffer.AsSpan().Fill(0xEE);
                int? got = kind switch
                {
                    OpKind.RecvInto => me.Sock.RecvInto(buffer.AsSpan(0, n)),
                    OpKind.ReadInto => me.Sock.ReadInto(buffer, n),
                    _ => me.ReadFile.Read(buffer.AsSpan(0, n)),
                };
                Assert.True(buffer[^2] == 0xEE && buffer[^1] == 0xEE, "a read wrote past the span it was given");
                bytes = got is null ? null : buffer[..got.Value];
                return got ?? -1;
        }

        bytes = result;
        return result?.Length ?? -1;
    }
}
