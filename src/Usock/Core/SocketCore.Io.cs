using System.Net;
using System.Net.Sockets;
using Usock.Platform;

namespace Usock.Core;

/// <summary>
/// The synchronous primitives: <i>try, then wait</i>. Each tries the call; if it would block, waits for readiness in
/// the kernel for what is left of the caller's deadline (EAGAIN when non-blocking, ETIMEDOUT when past) and tries
/// again. A call woken by <see cref="Close"/> reads as EBADF, whatever the OS said.
/// </summary>
internal sealed partial class SocketCore
{
    /// <summary>One receive: 0 with <paramref name="n"/> ≥ 0 bytes (0: end of stream), or an errno.</summary>
    public int Receive(Span<byte> buffer, in Deadline deadline, out int n)
    {
        while (true)
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

                e = SocketPal.Receive(s, buffer, dontWait: false, out n);
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

            if (_readShut)
            {
                return 0; // this side shut receiving down: nothing more will come (never wait, never spin)
            }

            int ready = Wait(SelectMode.SelectRead, deadline);
            if (ready != 0)
            {
                return ready;
            }
        }
    }

    /// <summary>One send: 0 with <paramref name="n"/> &gt; 0 bytes sent, or an errno.</summary>
    public int Send(ReadOnlySpan<byte> data, in Deadline deadline, out int n)
    {
        while (true)
        {
            if (!TryEnter(out Socket s))
            {
                n = 0;
                return Errno.EBADF;
            }

            int e;
            try
            {
                e = SocketPal.Send(s, data, dontWait: false, out n);
            }
            finally
            {
                Exit();
            }

            if (e == 0 && (n > 0 || data.IsEmpty))
            {
                return 0;
            }

            if (e != 0 && e != Errno.EAGAIN)
            {
                return IsClosed ? Errno.EBADF : e;
            }

            int ready = Wait(SelectMode.SelectWrite, deadline);
            if (ready != 0)
            {
                return ready;
            }
        }
    }

    /// <summary>One datagram and its sender (a native sockaddr in <paramref name="address"/>); 0 or an errno.</summary>
    public int ReceiveFrom(Span<byte> buffer, Span<byte> address, in Deadline deadline, out int n, out int addressLength)
    {
        while (true)
        {
            if (!TryEnter(out Socket s))
            {
                n = addressLength = 0;
                return Errno.EBADF;
            }

            int e;
            try
            {
                if (_readShut && NothingQueued(s))
                {
                    n = addressLength = 0; // see below: never ask .NET to wait, it would spin on the "readable" socket
                    return 0;
                }

                e = SocketPal.ReceiveFrom(s, buffer, dontWait: false, address, out n, out addressLength);
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

            if (_readShut)
            {
                n = addressLength = 0; // what Linux's blocking recvfrom answers after SHUT_RD: an empty datagram, no sender
                return 0;
            }

            int ready = Wait(SelectMode.SelectRead, deadline);
            if (ready != 0)
            {
                return ready;
            }
        }
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

        while (true)
        {
            if (!TryEnter(out Socket s))
            {
                return Errno.EBADF;
            }

            int e;
            try
            {
                e = SocketPal.SendTo(s, data, dontWait: false, to, out n);
            }
            finally
            {
                Exit();
            }

            if (e == 0)
            {
                return 0;
            }

            if (e != Errno.EAGAIN)
            {
                return IsClosed ? Errno.EBADF : e;
            }

            int ready = Wait(SelectMode.SelectWrite, deadline);
            if (ready != 0)
            {
                return ready;
            }
        }
    }

    /// <summary>Accepts one connection within the deadline.</summary>
    public int Accept(in Deadline deadline, out Socket? accepted)
    {
        while (true)
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

            if (e == 0)
            {
                if (IsClosed)
                {
                    accepted!.Dispose();
                    accepted = null;
                    return Errno.EBADF;
                }

                return 0;
            }

            if (e != Errno.EAGAIN)
            {
                return IsClosed ? Errno.EBADF : e;
            }

            int ready = Wait(SelectMode.SelectRead, deadline);
            if (ready != 0)
            {
                return ready;
            }
        }
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

    public int GetLocalEndPoint(out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            return SocketPal.GetLocalEndPoint(s, out endPoint);
        }
        finally
        {
            Exit();
        }
    }

    public int GetRemoteEndPoint(out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            return SocketPal.GetRemoteEndPoint(s, out endPoint);
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
