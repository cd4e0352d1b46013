using System.Runtime.CompilerServices;

namespace Usock.Core;

/// <summary>
/// The core's operations, each one attempt (SocketCore.Attempts.cs) run by the synchronous or the async driver
/// (SocketCore.Drivers.cs). Results are an errno (0: done) with the count; the async ones end with
/// <see cref="ReadinessQueue.Canceled"/> when the caller's token was cancelled. A wait that completes synchronously
/// costs nothing, and one that waits allocates nothing (pooled state machines, a reused wait node and timer).
/// </summary>
internal sealed partial class SocketCore
{
    /// <summary>One receive: 0 with <paramref name="n"/> ≥ 0 bytes (0: end of stream), or an errno.</summary>
    public int Receive(Span<byte> buffer, in Deadline deadline, out int n)
    {
        var op = new ReceiveSpan(buffer);
        return Drive<ReceiveSpan, int>(ref op, deadline, out n);
    }

    /// <summary>One send: 0 with <paramref name="n"/> &gt; 0 bytes sent, or an errno.</summary>
    public int Send(ReadOnlySpan<byte> data, in Deadline deadline, out int n)
    {
        var op = new SendSpan(data);
        return Drive<SendSpan, int>(ref op, deadline, out n);
    }

    /// <summary>One datagram and its sender (a native sockaddr in <paramref name="address"/>); 0 or an errno.</summary>
    public int ReceiveFrom(Span<byte> buffer, Span<byte> address, in Deadline deadline, out int n, out int addressLength)
    {
        var op = new ReceiveFromSpan(buffer, address);
        int e = Drive<ReceiveFromSpan, (int, int)>(ref op, deadline, out (int Count, int AddressLength) got);
        (n, addressLength) = e == 0 ? got : (0, 0);
        return e;
    }

    /// <summary>One datagram to <paramref name="to"/>; binds an unbound socket first, once, whatever the threads.</summary>
    public int SendTo(ReadOnlySpan<byte> data, SocketAddress to, in Deadline deadline, out int n)
    {
        n = 0;
        int bound = EnsureBound();
        if (bound != 0)
        {
            return bound;
        }

        var op = new SendToSpan(data, to);
        return Drive<SendToSpan, int>(ref op, deadline, out n);
    }

    /// <summary>Accepts one connection within the deadline.</summary>
    public int Accept(in Deadline deadline, out Socket? accepted)
    {
        var op = default(AcceptOne);
        return Drive<AcceptOne, Socket?>(ref op, deadline, out accepted);
    }

    /// <summary>Waits within the deadline for a connect <see cref="StartConnect"/> left in progress: 0 once connected,
    /// or an errno. Non-blocking, EAGAIN without a look: <see cref="StartConnect"/> was the attempt, and the device
    /// reports every non-blocking connect as in progress.</summary>
    public int FinishConnect(in Deadline deadline)
    {
        if (deadline.IsNonBlocking)
        {
            return Errno.EAGAIN;
        }

        var op = default(ConnectDone);
        return Drive<ConnectDone, bool>(ref op, deadline, out _);
    }

    public ValueTask<(int Errno, int Count)> ReceiveAsync(Memory<byte> buffer, Deadline deadline, CancellationToken cancellationToken) =>
        DriveAsync<ReceiveMemory, int>(new ReceiveMemory(buffer), deadline, cancellationToken);

    public ValueTask<(int Errno, int Count)> SendAsync(ReadOnlyMemory<byte> data, Deadline deadline, CancellationToken cancellationToken) =>
        DriveAsync<SendMemory, int>(new SendMemory(data), deadline, cancellationToken);

    /// <summary>Accepts one connection; the listener's descriptor is made non-blocking first (accept has no flag for it).</summary>
    public ValueTask<(int Errno, Socket? Accepted)> AcceptAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        int e = MakeNonBlocking();
        return e != 0 ? new((e, null)) : DriveAsync<AcceptOne, Socket?>(default, deadline, cancellationToken);
    }

    /// <summary>Waits for a connect started with <see cref="StartConnect"/> to finish: 0 when connected, or an errno.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> FinishConnectAsync(Deadline deadline, CancellationToken cancellationToken) =>
        (await DriveAsync<ConnectDone, bool>(default, deadline, cancellationToken).ConfigureAwait(false)).Errno;

    public int GetLocalEndPoint(out IPEndPoint? endPoint) => Query(SocketPal.GetLocalEndPoint, out endPoint);

    public int GetRemoteEndPoint(out IPEndPoint? endPoint) => Query(SocketPal.GetRemoteEndPoint, out endPoint);

    private delegate int Getter<T>(Socket s, out T? value);

    // A question to the live handle (EBADF when closed); the method group is a cached delegate.
    private int Query<T>(Getter<T> get, out T? value)
    {
        value = default;
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            return get(s, out value);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Runs an option call on the live handle: EBADF when closed.</summary>
    public int With(Func<Socket, int> call)
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            return call(s);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Binds an unbound datagram socket to the wildcard and a free port, as the kernel would on the first sendto (so
    /// GetSockName tells the truth). Under the lock: two threads making the first send at once bind once.
    /// </summary>
    public int EnsureBound()
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            if (s.IsBound)
            {
                return 0;
            }

            lock (_lock)
            {
                if (s.IsBound)
                {
                    return 0;
                }

                IPAddress any = Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
                return SocketPal.Bind(s, new IPEndPoint(any, 0));
            }
        }
        finally
        {
            Exit();
        }
    }
}
