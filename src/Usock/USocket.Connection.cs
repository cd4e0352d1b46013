using System.Net;
using System.Net.Sockets;
using Usock.Platform;

namespace Usock;

public sealed partial class USocket
{
    /// <summary>Binds the socket to a local address, as the module's <c>bind(address)</c>.</summary>
    /// <param name="address">(host, port): <c>""</c> is the wildcard address; port 0 lets the system pick one.
    /// Host names are resolved.</param>
    /// <remarks>The device ignores errors from bind; Usock raises them.</remarks>
    /// <exception cref="ArgumentNullException">The host is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The port is outside 0..65535.</exception>
    /// <exception cref="ArgumentException">The host is malformed, or a literal of the other address family.</exception>
    /// <exception cref="UsocketException">22 EINVAL when already bound; 98 EADDRINUSE; 99 EADDRNOTAVAIL;
    /// 13 EACCES for a privileged port; 9 EBADF when closed; a lookup errno for a name that does not resolve.</exception>
    public void Bind((string Host, int Port) address)
    {
        Live();
        BindCore(ToEndPoint(address, allowNames: true, nameof(address)));
    }

    /// <summary>Binds the socket to a local endpoint. See <see cref="Bind(ValueTuple{string, int})"/>.</summary>
    /// <param name="endPoint">The local endpoint.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endPoint"/> is null.</exception>
    /// <exception cref="ArgumentException">The endpoint is of the other address family.</exception>
    /// <exception cref="UsocketException">As for the tuple overload.</exception>
    public void Bind(IPEndPoint endPoint)
    {
        Live();
        BindCore(CheckEndPoint(endPoint, nameof(endPoint)));
    }

    private void BindCore(IPEndPoint ep)
    {
        Socket s = Live();
        int e = SocketPal.Bind(s, ep);
        if (e != 0)
        {
            throw Error(e);
        }

        _boundByUser = ep;
    }

    /// <summary>Starts listening for connections, as the module's <c>listen(backlog)</c>.</summary>
    /// <param name="backlog">Pending connections the system may queue; a negative value counts as 0.</param>
    /// <remarks>An unbound socket is bound to the wildcard address and a free port first, as the kernel does.</remarks>
    /// <exception cref="UsocketException">95 EOPNOTSUPP on a datagram or raw socket; 22 EINVAL when connected;
    /// 98 EADDRINUSE when another socket listens on the address; 9 EBADF when closed.</exception>
    public void Listen(int backlog = 5)
    {
        Socket s = Live();
        if (_socketType != SocketType.Stream)
        {
            throw Error(Errno.EOPNOTSUPP);
        }

        if (_connected || _connectPending)
        {
            throw Error(Errno.EINVAL);
        }

        int e = s.IsBound ? 0 : SocketPal.Bind(s, new IPEndPoint(WildcardAddress, 0));
        if (e == 0)
        {
            e = SocketPal.Listen(s, Math.Max(backlog, 0));
        }

        if (e != 0)
        {
            throw Error(e);
        }

        _listening = true;
    }

    /// <summary>
    /// Accepts a connection, as the module's <c>accept()</c>: a <b>3-tuple</b> of the new socket, the client's
    /// IP address and the client's port.
    /// </summary>
    /// <returns>(conn, address, port); the new socket is blocking and has this socket's profile and limits.</returns>
    /// <exception cref="UsocketException">22 EINVAL when the socket is not listening; 11 EAGAIN when non-blocking
    /// and nobody is waiting; 110 ETIMEDOUT when the timeout passes; 24 EMFILE; 9 EBADF when closed.</exception>
    public (USocket Conn, string Address, int Port) Accept()
    {
        Socket s = Live();
        if (!_listening)
        {
            throw Error(Errno.EINVAL);
        }

        Deadline deadline = Deadline.Start(_timeoutMs);
        while (true)
        {
            // Accept reports "would block" by exception: wait first unless the socket blocks by itself.
            int ready = _timeoutMs > 0 ? Wait(s, SelectMode.SelectRead, deadline) : 0;
            if (ready != 0)
            {
                throw Error(ready);
            }

            int e = SocketPal.Accept(s, out Socket? accepted);
            if (e == 0)
            {
                e = accepted!.Blocking ? 0 : SocketPal.SetBlocking(accepted, true);
                if (e != 0)
                {
                    accepted!.Dispose();
                    throw Error(e);
                }

                var conn = new USocket(this, accepted!);
                IPEndPoint peer = conn._remote!;
                return (conn, peer.Address.ToString(), peer.Port);
            }

            if (e != Errno.EAGAIN)
            {
                throw Error(e);
            }

            if (_timeoutMs == 0)
            {
                throw Error(Errno.EAGAIN);
            }
        }
    }

    /// <summary>Connects to a remote address, as the module's <c>connect(address)</c>. Host names are resolved.</summary>
    /// <param name="address">(host, port) of the server.</param>
    /// <remarks>
    /// <para>Blocking: returns when connected. Non-blocking: starts the connection and raises 115 EINPROGRESS.
    /// With a timeout: raises 110 ETIMEDOUT if the connection is not made in time.</para>
    /// <para>A second connect on a stream socket: device profile, always 114 EALREADY, even after a failure
    /// (a program must make a new socket); POSIX profile, 114 while one is in progress, 106 EISCONN once
    /// connected, and a retry after a failure works.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">The host is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The port is outside 0..65535.</exception>
    /// <exception cref="ArgumentException">The host is malformed, or a literal of the other address family.</exception>
    /// <exception cref="UsocketException">104 ECONNRESET (device) or 111 ECONNREFUSED (POSIX) when refused;
    /// 115, 110, 114, 106 as above; 113 EHOSTUNREACH; -202 or -2 when the name does not resolve; 9 EBADF.</exception>
    public void Connect((string Host, int Port) address) => ConnectCore(address, null);

    /// <summary>Connects to a remote endpoint. See <see cref="Connect(ValueTuple{string, int})"/>.</summary>
    /// <param name="endPoint">The remote endpoint.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endPoint"/> is null.</exception>
    /// <exception cref="ArgumentException">The endpoint is of the other address family.</exception>
    /// <exception cref="UsocketException">As for the tuple overload.</exception>
    public void Connect(IPEndPoint endPoint)
    {
        Live();
        ConnectCore(default, CheckEndPoint(endPoint, nameof(endPoint)));
    }

    // `given` is the endpoint of the IPEndPoint overload; otherwise `address` is resolved.
    private void ConnectCore((string Host, int Port) address, IPEndPoint? given)
    {
        if (!MayConnect(out Socket s))
        {
            return;
        }

        IPEndPoint ep;
        try
        {
            ep = given ?? ToEndPoint(address, allowNames: true, nameof(address));
        }
        catch (UsocketException)
        {
            OnLookupFailed();
            throw;
        }

        s = StartingConnect(s);
        Deadline deadline = Deadline.Start(_timeoutMs);
        int e = SocketPal.Connect(s, ep);
        if (e == 0)
        {
            OnConnected(ep);
            return;
        }

        if (e != Errno.EINPROGRESS || _socketType != SocketType.Stream)
        {
            _connectFailed = _socketType == SocketType.Stream;
            throw Error(e);
        }

        _connectPending = true;
        _remote = ep;
        int waited = Wait(s, SelectMode.SelectWrite, deadline);
        if (waited != 0)
        {
            throw Error(waited == Errno.EAGAIN ? Errno.EINPROGRESS : waited);
        }

        int result = FinishPendingConnect(s);
        if (result != 0)
        {
            throw Error(result);
        }
    }

    /// <summary>
    /// The profile's rules for a second connect on a stream socket. False when there is nothing left to do: a connect
    /// in progress has just completed, which the kernel reports as success (POSIX profile).
    /// </summary>
    private bool MayConnect(out Socket s)
    {
        s = Live();
        if (_socketType != SocketType.Stream)
        {
            return true;
        }

        if (Profile == UsocketProfile.QuecPython)
        {
            return _connectStarted || _listening ? throw Error(Errno.EALREADY) : true;
        }

        if (_connected || _listening)
        {
            throw Error(Errno.EISCONN);
        }

        if (_connectError != 0)
        {
            int failed = _connectError; // a non-blocking connect failed while the program watched the state
            _connectError = 0;
            throw Error(failed);
        }

        if (_connectPending)
        {
            int done = FinishPendingConnect(s);
            return done == 0 ? false : throw Error(done);
        }

        return true;
    }

    // The firmware marks a stream socket as connecting before it resolves the name: a failed lookup spends it.
    private void OnLookupFailed()
    {
        if (_socketType == SocketType.Stream && Profile == UsocketProfile.QuecPython)
        {
            _connectStarted = true;
        }
    }

    // Just before the connect starts: a fresh socket after a failed attempt (POSIX), and the socket marked.
    private Socket StartingConnect(Socket s)
    {
        if (_socketType != SocketType.Stream)
        {
            return s;
        }

        if (_connectFailed)
        {
            s = RenewSocket(s);
        }

        _connectStarted = true;
        return s;
    }

    private void OnConnected(IPEndPoint remote)
    {
        _connected = true;
        _connectPending = false;
        _remote = remote;
    }

    // Outside Connect: settle a finished non-blocking connect, keeping its failure for the next Connect to raise.
    private void ObservePendingConnect(Socket s)
    {
        if (_connectPending)
        {
            int result = FinishPendingConnect(s);
            if (result is not 0 and not Errno.EALREADY)
            {
                _connectError = result;
            }
        }
    }

    // A connect in progress: 0 once connected, EALREADY while still going, the failure's errno otherwise.
    private int FinishPendingConnect(Socket s)
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
        _connectPending = false;
        if (pending == 0)
        {
            OnConnected(_remote!);
            return 0;
        }

        _connectFailed = true;
        return pending;
    }

    /// <summary>
    /// POSIX profile, a connect after a failed one: some hosts (and .NET on them) cannot reuse a socket whose
    /// connect failed, so a fresh one takes its place with the same options and local address.
    /// </summary>
    private Socket RenewSocket(Socket old)
    {
        IPEndPoint? bound = _boundByUser;
        if (bound is not null && bound.Port == 0 && SocketPal.GetLocalEndPoint(old, out IPEndPoint? actual) == 0 && actual is not null)
        {
            bound = actual;
        }

        int e = SocketPal.Create(_family, _socketType, _protocol, out Socket? fresh);
        if (e != 0)
        {
            throw Error(e);
        }

        old.Dispose();
        e = SocketPal.SetBlocking(fresh!, _timeoutMs < 0);
        if (e == 0 && _reuseAddress)
        {
            e = HostOptions.SetReuseAddress(fresh!, true);
        }

        if (e == 0 && _keepAliveMinutes > 0)
        {
            e = HostOptions.SetKeepAliveMinutes(fresh!, _keepAliveMinutes);
        }

        if (e == 0 && bound is not null)
        {
            e = SocketPal.Bind(fresh!, bound);
        }

        if (Interlocked.CompareExchange(ref _sock, fresh, old) != old)
        {
            fresh!.Dispose();
            throw Error(Errno.EBADF);
        }

        if (e != 0)
        {
            throw Error(e);
        }

        _connectFailed = false;
        _connectError = 0;
        _local = null;
        _remote = null;
        return fresh!;
    }

    /// <summary>
    /// Waits until the socket is ready for <paramref name="mode"/>, within the call's one deadline.
    /// Returns 0 when ready, EAGAIN when the socket is non-blocking, ETIMEDOUT when the deadline passes,
    /// or the errno of a failed wait.
    /// </summary>
    private static int Wait(Socket s, SelectMode mode, in Deadline deadline)
    {
        if (deadline.IsNonBlocking)
        {
            return Errno.EAGAIN;
        }

        while (true)
        {
            int ms = deadline.RemainingMs();
            if (ms == 0)
            {
                return Errno.ETIMEDOUT;
            }

            int e = SocketPal.Poll(s, ms, mode, out bool ready);
            if (e != 0)
            {
                return e;
            }

            if (ready)
            {
                return 0;
            }
        }
    }
}
