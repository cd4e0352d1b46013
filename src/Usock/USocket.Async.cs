using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Usock;

public sealed partial class USocket
{
    private TimeProvider _timeProvider = TimeProvider.System;

    // One reusable timer per direction (one reader and one writer may run at once): a timeout costs no allocation.
    private CancellationTokenSource? _readTimer;
    private CancellationTokenSource? _writeTimer;

    /// <summary>
    /// The clock behind the async methods' timeouts (default <see cref="TimeProvider.System"/>); a fake one lets tests
    /// run timeouts without waiting. The synchronous methods wait in the kernel, on the real clock.
    /// </summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _timeProvider = value;
            Interlocked.Exchange(ref _readTimer, null)?.Dispose();
            Interlocked.Exchange(ref _writeTimer, null)?.Dispose();
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
        if (_timeoutMs == 0)
        {
            Connect(address);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!MayConnect(out Socket s))
        {
            return;
        }

        IPEndPoint ep;
        try
        {
            ep = await ToEndPointAsync(address, nameof(address), cancellationToken).ConfigureAwait(false);
        }
        catch (UsocketException)
        {
            OnLookupFailed();
            throw;
        }

        await ConnectStartedAsync(s, ep, cancellationToken).ConfigureAwait(false);
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
        if (_timeoutMs == 0)
        {
            Connect(ep);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (MayConnect(out Socket s))
        {
            await ConnectStartedAsync(s, ep, cancellationToken).ConfigureAwait(false);
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
        Socket s = Live();
        if (!_listening)
        {
            throw Error(Errno.EINVAL);
        }

        if (_timeoutMs == 0)
        {
            return Accept();
        }

        cancellationToken.ThrowIfCancellationRequested();
        var call = new AsyncCall(this, write: false, cancellationToken);
        Socket accepted;
        try
        {
            accepted = await s.AcceptAsync(call.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (call.Translate(e) is Exception mapped)
        {
            throw mapped;
        }
        finally
        {
            call.End();
        }

        if (!accepted.Blocking)
        {
            accepted.Blocking = true;
        }

        var conn = new USocket(this, accepted);
        return (conn, conn._remote!.Address.ToString(), conn._remote.Port);
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
        Socket s = Live();
        ArgumentOutOfRangeException.ThrowIfNegative(bufsize);
        if (Buffered > 0 || bufsize == 0 || _timeoutMs == 0)
        {
            return Recv(bufsize);
        }

        cancellationToken.ThrowIfCancellationRequested();
        int cap = Math.Min(bufsize, MaxRecvChunk);
        byte[] rented = ArrayPool<byte>.Shared.Rent(cap);
        try
        {
            int n = await ReceiveOnceAsync(s, rented.AsMemory(0, cap), cancellationToken).ConfigureAwait(false);
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
        Socket s = Live();
        ArgumentOutOfRangeException.ThrowIfLessThan(nbytes, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nbytes, buffer.Length);
        if (_timeoutMs == 0)
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
        var call = new AsyncCall(this, write: false, cancellationToken);
        try
        {
            while (got < want.Length)
            {
                int n;
                try
                {
                    n = await ReceiveAsync(s, want[got..], call).ConfigureAwait(false);
                }
                catch (Exception e) when (got > 0 && e is UsocketException or OperationCanceledException)
                {
                    if (e is UsocketException u)
                    {
                        DeferReadError(u.Errno); // raised by the next read, as ReadInto does
                    }

                    return got; // nothing lost: the bytes read are the caller's
                }

                if (n == 0)
                {
                    break;
                }

                got += n;
            }

            return got;
        }
        finally
        {
            call.End();
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
        Socket s = Live();
        if (_timeoutMs == 0)
        {
            return ReadLine();
        }

        int scanned = 0;
        if (TryTakeLine(ref scanned, out byte[]? buffered))
        {
            return buffered;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var call = new AsyncCall(this, write: false, cancellationToken);
        try
        {
            while (true)
            {
                if (TryTakeLine(ref scanned, out byte[]? line))
                {
                    return line;
                }

                int limit = LineFillLimit;
                MakeRoom(limit);
                int room = Math.Min(_rbuf!.Length - _rend, limit - Buffered);
                int n = await ReceiveAsync(s, _rbuf.AsMemory(_rend, room), call).ConfigureAwait(false);

                if (n == 0)
                {
                    return TakeBuffered(Buffered);
                }

                _rend += n;
            }
        }
        finally
        {
            call.End();
        }
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
        Socket s = Live();
        if (data.IsEmpty || _timeoutMs == 0)
        {
            return Send(data.Span);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var call = new AsyncCall(this, write: true, cancellationToken);
        try
        {
            return await s.SendAsync(data, SocketFlags.None, call.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (call.Translate(e) is Exception mapped)
        {
            throw mapped;
        }
        finally
        {
            call.End();
        }
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
        Socket s = Live();
        if (data.IsEmpty || _timeoutMs == 0)
        {
            SendAll(data.Span);
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var call = new AsyncCall(this, write: true, cancellationToken);
        try
        {
            while (!data.IsEmpty)
            {
                int n = await s.SendAsync(data, SocketFlags.None, call.Token).ConfigureAwait(false);
                data = data[n..];
            }
        }
        catch (Exception e) when (call.Translate(e) is Exception mapped)
        {
            throw mapped;
        }
        finally
        {
            call.End();
        }
    }

    private async ValueTask ConnectStartedAsync(Socket s, IPEndPoint ep, CancellationToken cancellationToken)
    {
        s = StartingConnect(s);
        _remote = ep;
        var call = new AsyncCall(this, write: true, cancellationToken);
        try
        {
            await s.ConnectAsync(ep, call.Token).ConfigureAwait(false);
            OnConnected(ep);
        }
        catch (Exception e) when (call.Translate(e) is Exception mapped)
        {
            if (e is OperationCanceledException)
            {
                _connectPending = _socketType == SocketType.Stream; // still going in the kernel, as after a sync timeout
            }
            else
            {
                _connectFailed = _socketType == SocketType.Stream;
            }

            throw mapped;
        }
        finally
        {
            call.End();
        }
    }

    private async ValueTask<int> ReceiveOnceAsync(Socket s, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var call = new AsyncCall(this, write: false, cancellationToken);
        try
        {
            return await ReceiveAsync(s, buffer, call).ConfigureAwait(false);
        }
        finally
        {
            call.End();
        }
    }

    /// <summary>
    /// The one async receive under every async read, as <see cref="ReceiveSome"/> is for the synchronous ones: an
    /// error a short <c>ReadInto</c> kept comes first, then .NET's receive within the call's deadline, its exceptions
    /// translated.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveAsync(Socket s, Memory<byte> buffer, AsyncCall call)
    {
        if (_deferredReadError != 0)
        {
            throw Error(TakeDeferredReadError());
        }

        try
        {
            return await s.ReceiveAsync(buffer, SocketFlags.None, call.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (call.Translate(e) is Exception mapped)
        {
            throw mapped;
        }
    }

    private CancellationTokenSource RentTimer(bool write)
    {
        CancellationTokenSource? timer = write ? Interlocked.Exchange(ref _writeTimer, null) : Interlocked.Exchange(ref _readTimer, null);
        return timer ?? new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, _timeProvider);
    }

    private void ReturnTimer(bool write, CancellationTokenSource timer)
    {
        // Reset stops the pending timer; a timer that fired (or a clock changed meanwhile) is not reused.
        if (!timer.TryReset() || (write ? Interlocked.CompareExchange(ref _writeTimer, timer, null) : Interlocked.CompareExchange(ref _readTimer, timer, null)) is not null)
        {
            timer.Dispose();
        }
    }

    /// <summary>
    /// One async call's deadline and cancellation: the socket's timeout (a reused timer on the socket's
    /// <see cref="TimeProvider"/>) joined with the caller's token, and the translation of what .NET raises.
    /// </summary>
    private readonly struct AsyncCall
    {
        private readonly USocket _owner;
        private readonly CancellationToken _caller;
        private readonly CancellationTokenSource? _timer;
        private readonly CancellationTokenRegistration _link;
        private readonly bool _write;

        public AsyncCall(USocket owner, bool write, CancellationToken caller)
        {
            _owner = owner;
            _caller = caller;
            _write = write;
            if (owner._timeoutMs <= 0)
            {
                Token = caller;
                return;
            }

            _timer = owner.RentTimer(write);
            _timer.CancelAfter(TimeSpan.FromMilliseconds(owner._timeoutMs));
            if (caller.CanBeCanceled)
            {
                _link = caller.UnsafeRegister(static t => ((CancellationTokenSource)t!).Cancel(), _timer);
            }

            Token = _timer.Token;
        }

        public CancellationToken Token { get; }

        /// <summary>What to throw instead of <paramref name="e"/>, or null to let it through.</summary>
        public Exception? Translate(Exception e) => e switch
        {
            OperationCanceledException when _caller.IsCancellationRequested => new OperationCanceledException("The operation was cancelled; the socket stays usable.", e, _caller),
            OperationCanceledException when _timer is { IsCancellationRequested: true } => _owner.Error(Errno.ETIMEDOUT),
            SocketException se => _owner.Error(Errno.FromSocketError(se.SocketErrorCode)),
            ObjectDisposedException => _owner.Error(Errno.EBADF),
            _ => null,
        };

        public void End()
        {
            _link.Dispose();
            if (_timer is not null)
            {
                _owner.ReturnTimer(_write, _timer);
            }
        }
    }
}
