using System.Security.Authentication;
using System.Text;

namespace Usock;

/// <summary>The write side: <c>write</c>, <c>send</c>, <c>sendall</c>, one writer at a time on the write lock.</summary>
public sealed partial class USslSocket
{
    private const int NonBlockingWriteChunk = 16 * 1024;

    /// <summary>Writes data, as the module's <c>write(buf)</c>: all of it when blocking.</summary>
    /// <param name="buffer">The plaintext.</param>
    /// <returns>Bytes accepted: all when blocking or with a timeout; when non-blocking at most 16 KiB, encrypted
    /// and sent or queued; <c>null</c> when non-blocking and earlier bytes are still queued or the handshake is not
    /// done.</returns>
    /// <exception cref="UsocketException">110 ETIMEDOUT; 104; 32 EPIPE; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public int? Write(ReadOnlySpan<byte> buffer)
    {
        Live();
        Deadline deadline = _core.StartDeadline();
        if (!BeginWrite(deadline))
        {
            return null;
        }

        try
        {
            if (!Flushed(deadline))
            {
                return null;
            }

            buffer = deadline.IsNonBlocking ? buffer[..Math.Min(buffer.Length, NonBlockingWriteChunk)] : buffer;
            Encrypt(buffer);
            return buffer.Length;
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Writes a byte array. See <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="buffer">The plaintext.</param>
    /// <returns>As for the span overload.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? Write(byte[] buffer) => Surface.Write(this, buffer);

    /// <summary>Writes a string as UTF-8. See <see cref="Write(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>As for the span overload, in UTF-8 bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int? Write(string text) => Surface.Write(this, text);

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
    public int Send(byte[] data) => Surface.Send(this, data);

    /// <summary>Sends a string as UTF-8. See <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The text.</param>
    /// <returns>Bytes accepted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int Send(string data) => Surface.Send(this, data);

    /// <summary>Sends all the data, as the plain socket's <c>sendall</c>: one deadline for the whole call. An extension.</summary>
    /// <param name="data">The plaintext.</param>
    /// <remarks>Non-blocking: raises 11 when the kernel stops taking bytes (what was accepted before is sent).</remarks>
    /// <exception cref="UsocketException">110; 11; 104; 32; a <see cref="TlsErrno"/> code; 9 EBADF.</exception>
    public void SendAll(ReadOnlySpan<byte> data)
    {
        Live();
        Deadline deadline = _core.StartDeadline();
        if (deadline.IsNonBlocking)
        {
            while (!data.IsEmpty)
            {
                data = data[Send(data)..];
            }

            return;
        }

        BeginWrite(deadline);
        try
        {
            Flushed(deadline);
            Encrypt(data);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Sends a whole byte array. See <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The plaintext.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public void SendAll(byte[] data) => Surface.SendAll(this, data);

    /// <summary>Sends a whole string as UTF-8. See <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public void SendAll(string data) => Surface.SendAll(this, data);

    // Begins a write-side call (as BeginRead): false when non-blocking and it would have to wait.
    private bool BeginWrite(in Deadline deadline)
    {
        if (!Handshaken(deadline) || !Enter(_writing, deadline))
        {
            return false;
        }

        LiveTurn(_writing);
        _transport.BeginWrite(deadline);
        return true;
    }

    private async ValueTask<bool> BeginWriteAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        if (!await HandshakenAsync(deadline, cancellationToken).ConfigureAwait(false)
            || !await EnterAsync(_writing, deadline, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        LiveTurn(_writing);
        _transport.BeginWrite(deadline, cancellationToken);
        return true;
    }

    // Queued records go first: true when none are left (false only when non-blocking; 110 past the deadline).
    private bool Flushed(in Deadline deadline) => _transport.Pending == 0 || _transport.FlushPending() || !deadline.IsNonBlocking;

    private void Encrypt(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        try
        {
            _ssl.Write(data);
        }
        catch (Exception e) when (TlsFailure.IsFailure(e))
        {
            throw Failed(e);
        }
    }

    private async ValueTask EncryptAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            return;
        }

        try
        {
            await _ssl.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (TlsFailure.IsFailure(e))
        {
            throw Failed(e);
        }
    }
}
