namespace Usock.Core;

/// <summary>
/// One attempt of each operation: the OS call made once on the live handle, its result classified. 0 is done,
/// <see cref="Errno.EAGAIN"/> means "wait for readiness and try again" (the drivers in SocketCore.Drivers.cs decide
/// how), anything else is the operation's errno. A call woken by <see cref="Close"/> reads as EBADF, whatever the OS
/// said. The "don't wait" flag is false for the synchronous driver (a descriptor in blocking mode then waits in
/// the kernel, where Close's shutdown wakes it) and true for the async one.
/// </summary>
internal sealed partial class SocketCore
{
    private int TryReceive(Span<byte> buffer, bool dontWait, out int n)
    {
        if (!TryEnter(out Socket s))
        {
            n = 0;
            return Errno.EBADF;
        }

        int e;
        try
        {
            if (_readShut && !IsStream && NothingQueued(s))
            {
                n = 0;
                return 0;
            }

            e = SocketPal.Receive(s, buffer, dontWait, out n);
        }
        finally
        {
            Exit();
        }

        if (e == 0)
        {
            // Close on another thread wakes a blocked receive by shutting the socket down: not an end of stream.
            return n == 0 && !buffer.IsEmpty && IsClosed ? Errno.EBADF : 0;
        }

        if (e != Errno.EAGAIN)
        {
            return IsClosed ? Errno.EBADF : e;
        }

        // This side shut receiving down: nothing more will come (never wait, never spin).
        return _readShut ? 0 : Errno.EAGAIN;
    }

    private int TrySend(ReadOnlySpan<byte> data, bool dontWait, out int n)
    {
        if (!TryEnter(out Socket s))
        {
            n = 0;
            return Errno.EBADF;
        }

        int e;
        try
        {
            e = SocketPal.Send(s, data, dontWait, out n);
        }
        finally
        {
            Exit();
        }

        if (e == 0)
        {
            return n > 0 || data.IsEmpty ? 0 : Errno.EAGAIN;
        }

        return e == Errno.EAGAIN ? e : IsClosed ? Errno.EBADF : e;
    }

    private int TryReceiveFrom(Span<byte> buffer, Span<byte> address, bool dontWait, out int n, out int addressLength)
    {
        n = addressLength = 0;
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        int e;
        try
        {
            if (_readShut && NothingQueued(s))
            {
                return 0; // see below: never ask .NET to wait, it would spin on the "readable" socket
            }

            e = SocketPal.ReceiveFrom(s, buffer, dontWait, address, out n, out addressLength);
        }
        finally
        {
            Exit();
        }

        if (e == 0)
        {
            return IsClosed ? Errno.EBADF : 0;
        }

        if (e != Errno.EAGAIN)
        {
            return IsClosed ? Errno.EBADF : e;
        }

        n = addressLength = 0; // after SHUT_RD: what Linux's blocking recvfrom answers, an empty datagram, no sender
        return _readShut ? 0 : Errno.EAGAIN;
    }

    private int TrySendTo(ReadOnlySpan<byte> data, SocketAddress to, bool dontWait, out int n)
    {
        if (!TryEnter(out Socket s))
        {
            n = 0;
            return Errno.EBADF;
        }

        int e;
        try
        {
            e = SocketPal.SendTo(s, data, dontWait, to, out n);
        }
        finally
        {
            Exit();
        }

        return e is 0 or Errno.EAGAIN ? e : IsClosed ? Errno.EBADF : e;
    }

    // Accept has no "don't wait" flag: the descriptor's mode decides (the async driver makes it non-blocking first).
    private int TryAccept(out Socket? accepted)
    {
        if (!TryEnter(out Socket s))
        {
            accepted = null;
            return Errno.EBADF;
        }

        int e;
        try
        {
            e = SocketPal.Accept(s, out accepted);
        }
        finally
        {
            Exit();
        }

        if (e == 0 && IsClosed)
        {
            accepted!.Dispose();
            accepted = null;
            return Errno.EBADF;
        }

        return e is 0 or Errno.EAGAIN ? e : IsClosed ? Errno.EBADF : e;
    }

    /// <summary>Starts a connect: 0 when connected at once, EINPROGRESS when it goes on, or the failure.</summary>
    public int StartConnect(IPEndPoint ep)
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            ConnectStarting();
            Remote = ep;
            int e = SocketPal.Connect(s, ep);
            return IsClosed ? Errno.EBADF : e;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>A connect in progress: 0 once connected, EALREADY while still going, the failure's errno otherwise.</summary>
    public int FinishConnect()
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            int e = SocketPal.Poll(s, 0, SelectMode.SelectWrite, out bool ready);
            if (e != 0)
            {
                return e;
            }

            if (!ready)
            {
                return Errno.EALREADY;
            }

            int pending = SocketPal.TakePendingError(s);
            if (pending == 0)
            {
                Connected(Remote!);
                return 0;
            }

            ConnectFailed();
            return pending;
        }
        finally
        {
            Exit();
        }
    }

    // After SHUT_RD a datagram socket reads as readable forever: only the kernel's queue tells whether a datagram is
    // really there (a would-be wait is the end of data, as Linux's blocking recvfrom answers).
    private static bool NothingQueued(Socket s)
    {
        try
        {
            return s.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // let the receive report it
        }
    }
}
