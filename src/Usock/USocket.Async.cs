using System.Buffers;
using System.Runtime.CompilerServices;

namespace Usock;

/// <summary>
/// The async members. Each runs the same non-blocking primitive as its synchronous twin and awaits readiness instead of
/// waiting in the kernel (<see cref="SocketCore"/>): the same fill under <c>ReadLineAsync</c>, the same deferred-error rule
/// under <c>ReadIntoAsync</c>, the same one deadline per call, on the socket's <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class USocket
{
    /// <summary>
    /// The clock behind the async methods' timeouts (default <see cref="TimeProvider.System"/>); a fake one lets tests
    /// run timeouts without waiting. The synchronous methods run their deadlines on the same clock (a wait in the kernel takes short slices when the clock is not the system's, so an advance is seen). Usually given once, in <see cref="UsocketOptions.TimeProvider"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public TimeProvider TimeProvider
    {
        get => _core.Clock;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _core.Clock = value;
        }
    }

    /// <summary>Closes the socket, as <see cref="Close"/>.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>Connects without blocking the caller. Same rules, errors and timeout as <see cref="Connect(ValueTuple{string, int})"/>.</summary>
    /// <param name="address">(host, port); names are resolved without blocking.</param>
    /// <param name="cancellationToken">Cancels the wait; the connection attempt goes on in the kernel, as after a
    /// timeout, and a later <c>Connect</c> follows the profile's rules for a connect in progress.</param>
    /// <returns>A task that completes when connected.</returns>
    /// <remarks>Non-blocking sockets behave as the synchronous call: 115 EINPROGRESS.</remarks>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Connect(ValueTuple{string, int})"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ConnectAsync((string Host, int Port) address, CancellationToken cancellationToken = default)
    {
        if (_core.TimeoutMs == 0)
        {
            Connect(address);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!MayConnect())
        {
            return;
        }

        Deadline deadline = _core.StartDeadline();
        IPEndPoint ep;
        try
        {
            ep = await ToEndPointAsync(address, nameof(address), deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (UsocketException)
        {
            OnLookupFailed();
            throw;
        }

        await ConnectStartedAsync(ep, deadline, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Connects to an endpoint without blocking the caller. See <see cref="ConnectAsync(ValueTuple{string, int}, CancellationToken)"/>.</summary>
    /// <param name="endPoint">The remote endpoint.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when connected.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endPoint"/> is null.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Connect(ValueTuple{string, int})"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        Live();
        IPEndPoint ep = CheckEndPoint(endPoint, nameof(endPoint));
        if (_core.TimeoutMs == 0)
        {
            Connect(ep);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (MayConnect())
        {
            await ConnectStartedAsync(ep, _core.StartDeadline(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Accepts a connection without blocking the caller. Same result and errors as <see cref="Accept"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait; the listener stays usable.</param>
    /// <returns>(conn, address, port); the new socket is blocking.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Accept"/>; 110 ETIMEDOUT when the socket's timeout passes.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(USocket Conn, string Address, int Port)> AcceptAsync(CancellationToken cancellationToken = default)
    {
        Live();
        if (_core.State != ConnectState.Listening)
        {
            throw Error(Errno.EINVAL);
        }

        if (_core.TimeoutMs == 0)
        {
            return Accept();
        }

        cancellationToken.ThrowIfCancellationRequested();
        (int e, Socket? accepted) = await _core.AcceptAsync(_core.StartDeadline(), cancellationToken).ConfigureAwait(false);
        return e == 0 ? Accepted(accepted!) : throw AsyncError(e, cancellationToken);
    }

    /// <summary>Receives up to <paramref name="bufsize"/> bytes without blocking the caller. Same result and errors as <see cref="Recv"/>.</summary>
    /// <param name="bufsize">The most to return (≥ 0).</param>
    /// <param name="cancellationToken">Cancels the wait; no byte is lost.</param>
    /// <returns>Whatever arrived; empty at end of stream (device profile: 107 the first time, as <see cref="Recv"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufsize"/> is negative.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Recv"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]> RecvAsync(int bufsize, CancellationToken cancellationToken = default)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfNegative(bufsize);
        if (Buffered > 0 || bufsize == 0 || _core.TimeoutMs == 0)
        {
            return Recv(bufsize);
        }

        cancellationToken.ThrowIfCancellationRequested();
        int cap = Math.Min(bufsize, MaxRecvChunk);
        byte[] rented = ArrayPool<byte>.Shared.Rent(cap);
        try
        {
            (int e, int n) = await ReceiveSomeAsync(rented.AsMemory(0, cap), _core.StartDeadline(), cancellationToken).ConfigureAwait(false);
            if (e != 0)
            {
                throw AsyncError(e, cancellationToken);
            }

            if (n == 0)
            {
                EndOfStream();
                return [];
            }

            return rented.AsSpan(0, n).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Reads into a buffer without blocking the caller. Same result and errors as <see cref="ReadInto(Span{byte}, int)"/>.</summary>
    /// <param name="buffer">Where the bytes go.</param>
    /// <param name="nbytes">How many to read; -1 (the default) means the whole buffer.</param>
    /// <param name="cancellationToken">Cancels the wait; bytes already read are returned as a short count, not lost.</param>
    /// <returns>The count; <c>null</c> when non-blocking and nothing is there.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nbytes"/> is below -1 or larger than the buffer.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before any byte arrived.</exception>
    /// <exception cref="UsocketException">As <see cref="ReadInto(Span{byte}, int)"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int?> ReadIntoAsync(Memory<byte> buffer, int nbytes = -1, CancellationToken cancellationToken = default)
    {
        Live();
        ArgumentOutOfRangeException.ThrowIfLessThan(nbytes, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nbytes, buffer.Length);
        if (_core.TimeoutMs == 0)
        {
            return ReadInto(buffer.Span, nbytes);
        }

        Memory<byte> want = nbytes < 0 ? buffer : buffer[..nbytes];
        int got = TakeBuffered(want.Span);
        if (got == want.Length)
        {
            return got;
        }

        cancellationToken.ThrowIfCancellationRequested();
        Deadline deadline = _core.StartDeadline();
        var io = new AsyncReceiver(cancellationToken);
        while (true)
        {
            (int e, int n) = await ReceiveIntoAsync(want[got..], deadline, cancellationToken).ConfigureAwait(false);
            if (ReadIntoStep(io, e, n, want.Length, ref got, out int? result))
            {
                return result; // a cancellation after some bytes returns them: nothing lost
            }
        }
    }

    /// <summary>Reads a line without blocking the caller. Same result and errors as <see cref="ReadLine"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait; a partial line stays buffered.</param>
    /// <returns>The line with its <c>\n</c>; the rest at end of stream; <c>null</c> when non-blocking and no complete line is there.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="ReadLine"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        Live();
        if (_core.TimeoutMs == 0)
        {
            return ReadLine();
        }

        int scanned = 0;
        if (_rb.TryTakeLine(ref scanned, _maxLineLength, out byte[]? buffered))
        {
            return buffered;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return await ReadLineCore(new AsyncReceiver(cancellationToken), _core.StartDeadline(), scanned).ConfigureAwait(false);
    }

    /// <summary>Sends data without blocking the caller. Same result and errors as <see cref="Send(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The bytes to send.</param>
    /// <param name="cancellationToken">Cancels the wait; part of the data may have been sent.</param>
    /// <returns>Bytes sent.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="Send(ReadOnlySpan{byte})"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Live();
        if (data.IsEmpty || _core.TimeoutMs == 0)
        {
            return Send(data.Span);
        }

        cancellationToken.ThrowIfCancellationRequested();
        (int e, int n) = await _core.SendAsync(data, _core.StartDeadline(), cancellationToken).ConfigureAwait(false);
        return e == 0 ? n : throw AsyncError(e, cancellationToken);
    }

    /// <summary>Sends all the data without blocking the caller, with one deadline for the whole call, as <see cref="SendAll(ReadOnlySpan{byte})"/>.</summary>
    /// <param name="data">The bytes to send.</param>
    /// <param name="cancellationToken">Cancels the wait; part of the data may have been sent.</param>
    /// <returns>A task that completes when everything was sent.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="UsocketException">As <see cref="SendAll(ReadOnlySpan{byte})"/>.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Live();
        if (data.IsEmpty || _core.TimeoutMs == 0)
        {
            SendAll(data.Span);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        Deadline deadline = _core.StartDeadline();
        while (!data.IsEmpty)
        {
            (int e, int n) = await _core.SendAsync(data, deadline, cancellationToken).ConfigureAwait(false);
            if (e != 0)
            {
                throw AsyncError(e, cancellationToken);
            }

            data = data[n..];
        }
    }

    private async ValueTask ConnectStartedAsync(IPEndPoint ep, Deadline deadline, CancellationToken cancellationToken)
    {
        if (ConnectStarts(ep, nonBlocking: true))
        {
            return;
        }

        // A cancelled or timed-out wait leaves the connect going in the kernel, as after a synchronous timeout.
        int result = await _core.FinishConnectAsync(deadline, cancellationToken).ConfigureAwait(false);
        if (result != 0)
        {
            throw AsyncError(result, cancellationToken);
        }
    }

    /// <summary>The one async receive under every async read, as <see cref="ReceiveSome"/> is for the synchronous ones:
    /// an error a short <c>ReadInto</c> kept comes first, then the core's receive within the call's deadline.</summary>
    private ValueTask<(int Errno, int Count)> ReceiveSomeAsync(Memory<byte> buffer, Deadline deadline, CancellationToken cancellationToken) =>
        _rb.DeferredError != 0
            ? new ValueTask<(int, int)>((_rb.TakeDeferredError(), 0))
            : _core.ReceiveAsync(buffer, deadline, cancellationToken);

    /// <summary>As <see cref="ReceiveInto"/>: straight into the caller's memory on TCP; on a datagram socket through
    /// the buffer, so a datagram longer than the caller's room is not cut short.</summary>
    private async ValueTask<(int Errno, int Count)> ReceiveIntoAsync(Memory<byte> destination, Deadline deadline, CancellationToken cancellationToken)
    {
        if (_core.IsStream)
        {
            return await ReceiveSomeAsync(destination, deadline, cancellationToken).ConfigureAwait(false);
        }

        (int e, int n) = await ReceiveSomeAsync(FreeSpace(int.MaxValue), deadline, cancellationToken).ConfigureAwait(false);
        if (e != 0 || n == 0)
        {
            return (e, n);
        }

        Filled(n);
        return (0, TakeBuffered(destination.Span));
    }

    // An async call's errno as an exception: the caller's cancellation is OperationCanceledException (the socket stays
    // usable), anything else goes through the one place that throws.
    private Exception AsyncError(int errno, CancellationToken cancellationToken) =>
        errno == ReadinessQueue.Canceled
            ? new OperationCanceledException("The operation was cancelled; the socket stays usable.", cancellationToken)
            : Error(errno);
}
