using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Usock.Platform;

namespace Usock.Core;

/// <summary>
/// The async primitives: the same non-blocking calls as the synchronous ones, with the wait for readiness awaited
/// through <see cref="ReadinessQueue"/> instead of made in the kernel. The deadline runs on the socket's clock; a
/// wait that completes synchronously costs nothing, and one that waits allocates nothing (pooled state machines, a
/// reused wait node and timer). Results are (errno, count); <see cref="ReadinessQueue.Canceled"/> means the caller's
/// token.
/// </summary>
internal sealed partial class SocketCore
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(int Errno, int Count)> ReceiveAsync(Memory<byte> buffer, Deadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            int sequence = ReadReady.Sequence;
            if (!TryEnter(out Socket s))
            {
                return (Errno.EBADF, 0);
            }

            int e, n;
            try
            {
                e = SocketPal.Receive(s, buffer.Span, dontWait: true, out n);
            }
            finally
            {
                Exit();
            }

            if (e == 0)
            {
                return (n == 0 && !buffer.IsEmpty && IsClosed ? Errno.EBADF : 0, n);
            }

            if (e != Errno.EAGAIN)
            {
                return (IsClosed ? Errno.EBADF : e, 0);
            }

            if (_readShut)
            {
                return (0, 0);
            }

            int ready = deadline.IsNonBlocking ? Errno.EAGAIN
                : await ReadReady.WaitAsync(sequence, deadline, _clock, cancellationToken).ConfigureAwait(false);
            if (ready != 0)
            {
                return (ready, 0);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(int Errno, int Count)> SendAsync(ReadOnlyMemory<byte> data, Deadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            int sequence = WriteReady.Sequence;
            if (!TryEnter(out Socket s))
            {
                return (Errno.EBADF, 0);
            }

            int e, n;
            try
            {
                e = SocketPal.Send(s, data.Span, dontWait: true, out n);
            }
            finally
            {
                Exit();
            }

            if (e == 0 && (n > 0 || data.IsEmpty))
            {
                return (0, n);
            }

            if (e != 0 && e != Errno.EAGAIN)
            {
                return (IsClosed ? Errno.EBADF : e, 0);
            }

            int ready = deadline.IsNonBlocking ? Errno.EAGAIN
                : await WriteReady.WaitAsync(sequence, deadline, _clock, cancellationToken).ConfigureAwait(false);
            if (ready != 0)
            {
                return (ready, 0);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(int Errno, Socket? Accepted)> AcceptAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        int e = MakeNonBlocking();
        if (e != 0)
        {
            return (e, null);
        }

        while (true)
        {
            int sequence = ReadReady.Sequence;
            e = Accept(Deadline.Start(0, _clock), out Socket? accepted); // one try: the wait is awaited below
            if (e != Errno.EAGAIN)
            {
                return (e, accepted);
            }

            int ready = deadline.IsNonBlocking ? Errno.EAGAIN
                : await ReadReady.WaitAsync(sequence, deadline, _clock, cancellationToken).ConfigureAwait(false);
            if (ready != 0)
            {
                return (ready, null);
            }
        }
    }

    /// <summary>Waits for a connect started with <see cref="StartConnect"/> to finish: 0 when connected, or an errno.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> FinishConnectAsync(int sequence, Deadline deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            int e = FinishConnect();
            if (e != Errno.EALREADY)
            {
                return e;
            }

            int ready = await WriteReady.WaitAsync(sequence, deadline, _clock, cancellationToken).ConfigureAwait(false);
            if (ready != 0)
            {
                return ready;
            }

            sequence = WriteReady.Sequence;
        }
    }
}
