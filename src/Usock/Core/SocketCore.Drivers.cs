using System.Runtime.CompilerServices;

namespace Usock.Core;

/// <summary>
/// The two drivers that run any attempt (SocketCore.Attempts.cs), as dotnet/runtime's <c>SocketAsyncContext</c> does:
/// the synchronous one tries, and while the attempt would block waits in the kernel for what is left of the call's
/// deadline; the async one reads the readiness sequence, tries, and awaits readiness through
/// <see cref="ReadinessQueue"/> (an edge between the try and the wait is never missed). A non-blocking deadline ends
/// either with EAGAIN, a passed one with ETIMEDOUT. Each operation is an <see cref="IAttempt{TResult}"/>: a struct
/// naming its direction and calling its attempt, with a span form for the synchronous members and a memory form for
/// the async ones.
/// </summary>
internal sealed partial class SocketCore
{
    private interface IAttempt<TResult>
    {
        /// <summary>The readiness the attempt waits for.</summary>
        SelectMode Mode { get; }

        int Try(SocketCore core, bool dontWait, out TResult result);
    }

    private int Drive<TOp, TResult>(scoped ref TOp op, in Deadline deadline, out TResult result)
        where TOp : IAttempt<TResult>, allows ref struct
    {
        while (true)
        {
            int e = op.Try(this, dontWait: false, out result);
            if (e != Errno.EAGAIN)
            {
                return e;
            }

            e = Wait(op.Mode, deadline);
            if (e != 0)
            {
                return e;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(int Errno, TResult Result)> DriveAsync<TOp, TResult>(TOp op, Deadline deadline, CancellationToken cancellationToken)
        where TOp : struct, IAttempt<TResult>
    {
        ReadinessQueue queue = op.Mode == SelectMode.SelectRead ? ReadReady : WriteReady;
        while (true)
        {
            int sequence = queue.Sequence;
            int e = op.Try(this, dontWait: true, out TResult result);
            if (e != Errno.EAGAIN)
            {
                return (e, result);
            }

            int ready = deadline.IsNonBlocking ? Errno.EAGAIN
                : await queue.WaitAsync(sequence, deadline, _clock, cancellationToken).ConfigureAwait(false);
            if (ready != 0)
            {
                return (ready, default!);
            }
        }
    }

    /// <summary>
    /// Waits until the socket is ready for <paramref name="mode"/>, within the call's one deadline: 0 when ready, EAGAIN
    /// when non-blocking, ETIMEDOUT when the deadline passes, EBADF when closed meanwhile, or the errno of a failed wait.
    /// </summary>
    public int Wait(SelectMode mode, in Deadline deadline)
    {
        if (deadline.IsNonBlocking)
        {
            return Errno.EAGAIN;
        }

        while (true)
        {
            int ms = deadline.NextWaitMs();
            if (ms == 0)
            {
                return Errno.ETIMEDOUT;
            }

            int e = PollOnce(mode, ms, out bool ready);
            if (e != 0 || ready)
            {
                return e;
            }
        }
    }

    /// <summary>One kernel wait of at most <paramref name="timeoutMs"/> (-1: forever).</summary>
    public int PollOnce(SelectMode mode, int timeoutMs, out bool ready)
    {
        ready = false;
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            int e = SocketPal.Poll(s, timeoutMs, mode, out ready);
            return IsClosed ? Errno.EBADF : e;
        }
        finally
        {
            Exit();
        }
    }

    private ref struct ReceiveSpan(Span<byte> buffer) : IAttempt<int>
    {
        private readonly Span<byte> _buffer = buffer;

        public readonly SelectMode Mode => SelectMode.SelectRead;

        public readonly int Try(SocketCore core, bool dontWait, out int result) => core.TryReceive(_buffer, dontWait, out result);
    }

    private readonly struct ReceiveMemory(Memory<byte> buffer) : IAttempt<int>
    {
        public SelectMode Mode => SelectMode.SelectRead;

        public int Try(SocketCore core, bool dontWait, out int result) => core.TryReceive(buffer.Span, dontWait, out result);
    }

    private ref struct SendSpan(ReadOnlySpan<byte> data) : IAttempt<int>
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public readonly SelectMode Mode => SelectMode.SelectWrite;

        public readonly int Try(SocketCore core, bool dontWait, out int result) => core.TrySend(_data, dontWait, out result);
    }

    private readonly struct SendMemory(ReadOnlyMemory<byte> data) : IAttempt<int>
    {
        public SelectMode Mode => SelectMode.SelectWrite;

        public int Try(SocketCore core, bool dontWait, out int result) => core.TrySend(data.Span, dontWait, out result);
    }

    private ref struct ReceiveFromSpan(Span<byte> buffer, Span<byte> address) : IAttempt<(int Count, int AddressLength)>
    {
        private readonly Span<byte> _buffer = buffer;
        private readonly Span<byte> _address = address;

        public readonly SelectMode Mode => SelectMode.SelectRead;

        public readonly int Try(SocketCore core, bool dontWait, out (int Count, int AddressLength) result)
        {
            int e = core.TryReceiveFrom(_buffer, _address, dontWait, out int n, out int length);
            result = (n, length);
            return e;
        }
    }

    private ref struct SendToSpan(ReadOnlySpan<byte> data, SocketAddress to) : IAttempt<int>
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public readonly SelectMode Mode => SelectMode.SelectWrite;

        public readonly int Try(SocketCore core, bool dontWait, out int result) => core.TrySendTo(_data, to, dontWait, out result);
    }

    private readonly struct AcceptOne : IAttempt<Socket?>
    {
        public SelectMode Mode => SelectMode.SelectRead;

        public int Try(SocketCore core, bool dontWait, out Socket? result) => core.TryAccept(out result);
    }

    private readonly struct ConnectDone : IAttempt<bool>
    {
        public SelectMode Mode => SelectMode.SelectWrite;

        public int Try(SocketCore core, bool dontWait, out bool result)
        {
            int e = core.FinishConnect();
            result = e == 0;
            return e == Errno.EALREADY ? Errno.EAGAIN : e;
        }
    }
}
