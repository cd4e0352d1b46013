using System.Buffers;

namespace Usock;

public sealed partial class USocket
{
    // The most one Recv(n) returns, whatever n asks for: short reads are normal, and a huge n must not
    // make a huge temporary buffer.
    private const int MaxRecvChunk = 1024 * 1024;
    private const int StackChunk = 1024;

    // Immutable once made and swapped whole, so threads sending to different peers, or receiving from them, at once never
    // see each other's address: the last destination of SendTo, serialized, and the last sender of RecvFrom, formatted.
    private SendToAddress? _lastDestination;
    private Sender? _lastSender;

    /// <summary>Sends data, as the module's <c>send(bytes)</c>.</summary>
    /// <param name="data">The bytes to send.</param>
    /// <returns>Bytes sent; may be fewer than <paramref name="data"/> holds.</returns>
    /// <remarks>Empty data: device profile raises 110 ETIMEDOUT (11 EAGAIN when non-blocking), as the firmware
    /// does; POSIX profile returns 0.</remarks>
    /// <exception cref="UsocketException">11 EAGAIN when non-blocking and the send buffer is full; 110 ETIMEDOUT;
    /// 32 EPIPE or 104 ECONNRESET when the connection is gone; 107 ENOTCONN; 9 EBADF when closed.</exception>
    public int Send(ReadOnlySpan<byte> data)
    {
        Live();
        if (data.IsEmpty)
        {
            return EmptySend();
        }

        int err = _core.Send(data, _core.StartDeadline(), out int sent);
        return err == 0 ? sent : throw Error(err);
    }

    /// <summary>Sends a byte array. See <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The bytes to send.</param>
    /// <returns>Bytes sent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int Send(byte[] data) => Surface.Send(this, data);

    /// <summary>Sends a string as UTF-8, as the module accepts <c>str</c>. See <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The text to send.</param>
    /// <returns>Bytes of its UTF-8 form sent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int Send(string data) => Surface.Send(this, data);

    /// <summary>
    /// Sends all the data, as the module's <c>sendall(bytes)</c>: one deadline for the whole call, not one per chunk.
    /// </summary>
    /// <param name="data">The bytes to send.</param>
    /// <remarks>When the timeout passes after part of the data went out, the call raises 110 and the part sent
    /// is gone; on a non-blocking socket it raises 11 when the buffer fills. Use <see cref="Write(ReadOnlySpan{byte})"/>
    /// to learn how much was sent. Empty data: as <see cref="Send(ReadOnlySpan{byte})"/>.</remarks>
    /// <exception cref="UsocketException">110 ETIMEDOUT; 11 EAGAIN; 32 EPIPE or 104 ECONNRESET; 9 EBADF.</exception>
    public void SendAll(ReadOnlySpan<byte> data)
    {
        Live();
        if (data.IsEmpty)
        {
            EmptySend();
            return;
        }

        int err = SendAllCore(data, out _);
        if (err != 0)
        {
            throw Error(err);
        }
    }

    /// <summary>Sends a whole byte array. See <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The bytes to send.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public void SendAll(byte[] data) => Surface.SendAll(this, data);

    /// <summary>Sends a whole string as UTF-8. See <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The text to send.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public void SendAll(string data) => Surface.SendAll(this, data);

    /// <summary>Sends a datagram to an address, as the module's <c>sendto(bytes, address)</c>.</summary>
    /// <param name="data">The datagram.</param>
    /// <param name="address">(IP literal, port); <c>""</c> is 0.0.0.0 (or :: on an AF_INET6 socket). The firmware
    /// takes IP literals only, and so does Usock.</param>
    /// <returns>Bytes sent.</returns>
    /// <exception cref="ArgumentNullException">The host is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The port is outside 0..65535.</exception>
    /// <exception cref="ArgumentException">The host is a name, malformed, or of the other address family.</exception>
    /// <exception cref="UsocketException">90 EMSGSIZE for a datagram too large; 11 EAGAIN; 110 ETIMEDOUT; 9 EBADF.</exception>
    public int SendTo(ReadOnlySpan<byte> data, (string Host, int Port) address)
    {
        Live();
        return SendToCore(data, SendToAddressOf(address));
    }

    /// <summary>Sends a byte array as a datagram. See <see cref="SendTo(ReadOnlySpan{byte}, ValueTuple{string, int})"/>.</summary>
    /// <param name="data">The datagram.</param>
    /// <param name="address">(IP literal, port).</param>
    /// <returns>Bytes sent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or the host is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int SendTo(byte[] data, (string Host, int Port) address)
    {
        Live();
        ArgumentNullException.ThrowIfNull(data);
        return SendTo(data.AsSpan(), address);
    }

    /// <summary>Sends a string as a UTF-8 datagram. See <see cref="SendTo(ReadOnlySpan{byte}, ValueTuple{string, int})"/>.</summary>
    /// <param name="data">The text.</param>
    /// <param name="address">(IP literal, port).</param>
    /// <returns>Bytes sent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or the host is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int SendTo(string data, (string Host, int Port) address)
    {
        Live();
        ArgumentNullException.ThrowIfNull(data);
        using Surface.Utf8 bytes = new(data);
        return SendTo(bytes.Span, address);
    }

    /// <summary>Sends a datagram to an endpoint. See <see cref="SendTo(ReadOnlySpan{byte}, ValueTuple{string, int})"/>.</summary>
    /// <param name="data">The datagram.</param>
    /// <param name="endPoint">The destination.</param>
    /// <returns>Bytes sent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endPoint"/> is null.</exception>
    /// <exception cref="UsocketException">As for the tuple overload.</exception>
    public int SendTo(ReadOnlySpan<byte> data, IPEndPoint endPoint)
    {
        Live();
        return SendToCore(data, CheckEndPoint(endPoint, nameof(endPoint)).Serialize());
    }

    // The address of the last SendTo, kept serialized: a datagram loop to one peer parses it once.
    private SocketAddress SendToAddressOf((string Host, int Port) address)
    {
        SendToAddress? last = _lastDestination;
        if (last is not null && address.Port == last.Port && string.Equals(address.Host, last.Host, StringComparison.Ordinal))
        {
            return last.Address;
        }

        SocketAddress serialized = ToEndPoint(address, allowNames: false, nameof(address), default).Serialize();
        _lastDestination = new SendToAddress(address.Host, address.Port, serialized);
        return serialized;
    }

    private int SendToCore(ReadOnlySpan<byte> data, SocketAddress to)
    {
        Live();
        int e = _core.SendTo(data, to, _core.StartDeadline(), out int sent);
        return e == 0 ? sent : throw Error(e);
    }

    /// <summary>Receives up to <paramref name="bufsize"/> bytes, as the module's <c>recv(bufsize)</c>.</summary>
    /// <param name="bufsize">The most to return (≥ 0). One call returns at most 1 MiB whatever it asks for.</param>
    /// <returns>Whatever arrived (short reads are normal); empty at end of stream (but see remarks).</returns>
    /// <remarks>Bytes that stream methods (<see cref="ReadLine"/>, <see cref="Read"/>) buffered come first.
    /// End of stream on a TCP socket: the device profile raises 107 ENOTCONN the first time (lwIP's behaviour)
    /// and returns empty after; the POSIX profile returns empty. Allocates only the array it returns.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufsize"/> is negative.</exception>
    /// <exception cref="UsocketException">11 EAGAIN when non-blocking and nothing is there; 110 ETIMEDOUT;
    /// 104 ECONNRESET; 107 ENOTCONN; 9 EBADF when closed.</exception>
    public byte[] Recv(int bufsize)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfNegative(bufsize);
        if (Buffered > 0)
        {
            return TakeBuffered(bufsize);
        }

        if (bufsize == 0)
        {
            return [];
        }

        int cap = Math.Min(bufsize, MaxRecvChunk);
        byte[]? rented = null;
        Span<byte> chunk = cap <= StackChunk ? stackalloc byte[StackChunk] : (rented = ArrayPool<byte>.Shared.Rent(cap));
        try
        {
            int err = ReceiveSome(chunk[..cap], _core.StartDeadline(), out int n);
            if (err != 0)
            {
                throw Error(err);
            }

            if (n == 0)
            {
                EndOfStream();
                return [];
            }

            return chunk[..n].ToArray();
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Receives into caller memory, as CPython's <c>recv_into</c>: whatever is there (short reads are normal),
    /// no allocation. An extension.
    /// </summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>Bytes received; 0 at end of stream (with the device profile's 107 the first time, as <see cref="Recv"/>).</returns>
    /// <exception cref="UsocketException">As for <see cref="Recv"/>.</exception>
    public int RecvInto(Span<byte> buffer)
    {
        Live();
        if (Buffered > 0)
        {
            return TakeBuffered(buffer);
        }

        if (buffer.IsEmpty)
        {
            return 0;
        }

        int err = ReceiveSome(buffer, _core.StartDeadline(), out int n);
        if (err != 0)
        {
            throw Error(err);
        }

        if (n == 0)
        {
            EndOfStream();
        }

        return n;
    }

    /// <summary>Receives into a byte array. See <see cref="RecvInto(Span{byte})"/>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <returns>Bytes received.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
    /// <exception cref="UsocketException">As for the span overload.</exception>
    public int RecvInto(byte[] buffer) => Surface.RecvInto(this, buffer);

    /// <summary>Receives a datagram and its sender, as the module's <c>recvfrom(bufsize)</c>.</summary>
    /// <remarks>On a datagram socket each call is one datagram from the kernel: bytes that stream methods
    /// (<see cref="Read"/>, <see cref="ReadLine"/>) buffered on the same socket are left to those methods, as they
    /// have no sender. Use one style per datagram socket.</remarks>
    /// <param name="bufsize">The most to return (≥ 0); the rest of a longer datagram is discarded, as POSIX does.</param>
    /// <returns>(bytes, (host, port) of the sender). On a TCP socket the sender is the peer.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufsize"/> is negative.</exception>
    /// <exception cref="UsocketException">11 EAGAIN; 110 ETIMEDOUT; 9 EBADF; as <see cref="Recv"/> on TCP.</exception>
    public (byte[] Bytes, (string Host, int Port) Address) RecvFrom(int bufsize)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfNegative(bufsize);
        if (_core.IsStream)
        {
            // The peer's address first: a failure there must not take bytes with it.
            (string Host, int Port) peer = GetPeerName();
            return (Recv(bufsize), peer);
        }

        int cap = Math.Min(Math.Max(bufsize, 1), MaxRecvChunk);
        byte[] rented = ArrayPool<byte>.Shared.Rent(cap);
        try
        {
            Span<byte> from = stackalloc byte[SockAddr.MaxLength];
            int e = _core.ReceiveFrom(rented.AsSpan(0, bufsize == 0 ? 0 : cap), from, _core.StartDeadline(), out int n, out int fromLength);
            return e == 0 ? (rented.AsSpan(0, n).ToArray(), SenderOf(from[..fromLength])) : throw Error(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // The sender of a datagram as a tuple; a loop serving one peer formats its address once.
    private (string Host, int Port) SenderOf(ReadOnlySpan<byte> native)
    {
        if (native.Length < 2)
        {
            return (string.Empty, 0); // no sender: an empty read after Shutdown(SHUT_RD)
        }

        Sender? last = _lastSender;
        if (last is not null && native.SequenceEqual(last.Native))
        {
            return last.Tuple;
        }

        IPEndPoint? ep = SockAddr.ToEndPoint(native);
        (string Host, int Port) tuple = ep is null ? (string.Empty, 0) : ToTuple(ep);
        _lastSender = new Sender(native.ToArray(), tuple);
        return tuple;
    }

    private int EmptySend()
    {
        if (Profile == UsocketProfile.QuecPython)
        {
            throw Error(_core.TimeoutMs == 0 ? Errno.EAGAIN : Errno.ETIMEDOUT); // the firmware's loop sends nothing and gives up
        }

        return 0;
    }

    // End of stream seen by the recv family: the device's lwIP raises ENOTCONN the first time.
    private void EndOfStream()
    {
        if (_core.IsStream && Profile == UsocketProfile.QuecPython && !_eofReported)
        {
            _eofReported = true;
            throw Error(Errno.ENOTCONN);
        }
    }

    /// <summary>One receive that waits, within the deadline, for data, after an error a short ReadInto kept. 0 with
    /// n ≥ 0 (0: end of stream), or an errno.</summary>
    private int ReceiveSome(Span<byte> buffer, in Deadline deadline, out int n)
    {
        if (_rb.DeferredError != 0)
        {
            n = 0;
            return _rb.TakeDeferredError();
        }

        return _core.Receive(buffer, deadline, out n);
    }

    // ReadInto returned a short count over an error: the kernel reports a reset only once, so Usock keeps it for the
    // next read to raise (a reset must not read as a clean end of stream). Timeouts, "would block" and the caller's
    // cancellation are not kept.
    private void DeferReadError(int errno)
    {
        if (errno is not Errno.EAGAIN and not Errno.ETIMEDOUT and not ReadinessQueue.Canceled)
        {
            _rb.DeferredError = errno;
        }
    }

    /// <summary>Sends everything within one deadline. 0, or an errno with <paramref name="sent"/> telling how far it got.</summary>
    private int SendAllCore(ReadOnlySpan<byte> data, out int sent)
    {
        Deadline deadline = _core.StartDeadline();
        sent = 0;
        while (sent < data.Length)
        {
            int err = _core.Send(data[sent..], deadline, out int n);
            if (err != 0)
            {
                return err;
            }

            sent += n;
        }

        return 0;
    }

    private sealed record SendToAddress(string Host, int Port, SocketAddress Address);

    private sealed record Sender(byte[] Native, (string Host, int Port) Tuple);
}
