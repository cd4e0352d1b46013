namespace Usock;

public sealed partial class USocket
{
    private int _connectError; // POSIX profile: a failed non-blocking connect seen outside Connect, for the next Connect to raise

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
        BindCore(ToEndPoint(address, allowNames: true, nameof(address), _core.StartDeadline()));
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
        int e = _core.With(s => SocketPal.Bind(s, ep));
        if (e != 0)
        {
            throw Error(e);
        }

        _core.BoundTo(ep);
    }

    /// <summary>Starts listening for connections, as the module's <c>listen(backlog)</c>.</summary>
    /// <param name="backlog">Pending connections the system may queue; a negative value counts as 0.</param>
    /// <remarks>An unbound socket is bound to the wildcard address and a free port first, as the kernel does.</remarks>
    /// <exception cref="UsocketException">95 EOPNOTSUPP on a datagram or raw socket; 22 EINVAL when connected;
    /// 98 EADDRINUSE when another socket listens on the address; 9 EBADF when closed.</exception>
    public void Listen(int backlog = 5)
    {
        Live();
        if (!_core.IsStream)
        {
            throw Error(Errno.EOPNOTSUPP);
        }

        if (_core.State is ConnectState.Connected or ConnectState.Connecting)
        {
            throw Error(Errno.EINVAL);
        }

        IPAddress any = WildcardAddress;
        int e = _core.With(s =>
        {
            int r = s.IsBound ? 0 : SocketPal.Bind(s, new IPEndPoint(any, 0));
            return r != 0 ? r : SocketPal.Listen(s, Math.Max(backlog, 0));
        });
        if (e != 0)
        {
            throw Error(e);
        }

        _core.Listening();
    }

    /// <summary>
    /// Accepts a connection, as the module's <c>accept()</c>: a <b>3-tuple</b> of the new socket, the client's
    /// IP address and the client's port.
    /// </summary>
    /// <returns>(conn, address, port); the new socket is blocking and has this socket's profile and limits. On a
    /// dual-stack <see cref="AF_INET6"/> listener an IPv4 client's address reads <c>::ffff:a.b.c.d</c>.</returns>
    /// <exception cref="UsocketException">22 EINVAL when the socket is not listening; 11 EAGAIN when non-blocking
    /// and nobody is waiting; 110 ETIMEDOUT when the timeout passes; 24 EMFILE; 9 EBADF when closed.</exception>
    public (USocket Conn, string Address, int Port) Accept()
    {
        Live();
        if (_core.State != ConnectState.Listening)
        {
            throw Error(Errno.EINVAL);
        }

        int e = _core.Accept(_core.StartDeadline(), out Socket? accepted);
        return e == 0 ? Accepted(accepted!) : throw Error(e);
    }

    // Wraps an accepted handle: blocking, as the module promises, whatever the listener's mode.
    private (USocket Conn, string Address, int Port) Accepted(Socket accepted)
    {
        int e = accepted.Blocking ? 0 : SocketPal.SetBlocking(accepted, true);
        IPEndPoint? peer = null;
        if (e == 0)
        {
            e = SocketPal.GetRemoteEndPoint(accepted, out peer);
        }

        if (e != 0)
        {
            accepted.Dispose();
            throw Error(e);
        }

        var conn = new USocket(this, accepted, peer!);
        return (conn, peer!.Address.ToString(), peer.Port);
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

    // `given` is the endpoint of the IPEndPoint overload; otherwise `address` is resolved, within the call's deadline.
    private void ConnectCore((string Host, int Port) address, IPEndPoint? given)
    {
        if (!MayConnect())
        {
            return;
        }

        Deadline deadline = _core.StartDeadline();
        IPEndPoint ep;
        try
        {
            ep = given ?? ToEndPoint(address, allowNames: true, nameof(address), deadline);
        }
        catch (UsocketException)
        {
            OnLookupFailed();
            throw;
        }

        if (ConnectStarts(ep, nonBlocking: false))
        {
            return;
        }

        int result = _core.FinishConnect(deadline);
        if (result != 0)
        {
            throw Error(result == Errno.EAGAIN ? Errno.EINPROGRESS : result);
        }
    }

    /// <summary>
    /// The start of a connect, written once for <c>Connect</c> and <c>ConnectAsync</c> (which makes the descriptor
    /// non-blocking first): true when it completed at once; false when it is in progress (EINPROGRESS on a stream
    /// socket: the caller waits for it within its deadline); any other errno fails the connect and is raised.
    /// </summary>
    private bool ConnectStarts(IPEndPoint ep, bool nonBlocking)
    {
        RenewIfFailed();
        int e = nonBlocking ? _core.MakeNonBlocking() : 0;
        if (e == 0)
        {
            e = _core.StartConnect(ep);
        }

        if (e == 0)
        {
            _core.Connected(ep);
            return true;
        }

        if (e != Errno.EINPROGRESS || !_core.IsStream)
        {
            _core.ConnectFailed();
            throw Error(e);
        }

        return false;
    }

    /// <summary>
    /// The profile's rules for a second connect on a stream socket. False when there is nothing left to do: a connect
    /// in progress has just completed, which the kernel reports as success (POSIX profile).
    /// </summary>
    private bool MayConnect()
    {
        Live();
        if (!_core.IsStream)
        {
            return true;
        }

        ConnectState state = _core.State;
        if (Profile == UsocketProfile.QuecPython)
        {
            return state == ConnectState.Idle ? true : throw Error(Errno.EALREADY);
        }

        if (state is ConnectState.Connected or ConnectState.Listening)
        {
            throw Error(Errno.EISCONN);
        }

        if (_connectError != 0)
        {
            int failed = _connectError; // a non-blocking connect failed while the program watched the state
            _connectError = 0;
            throw Error(failed);
        }

        if (state == ConnectState.Connecting)
        {
            int done = _core.FinishConnect();
            return done == 0 ? false : throw Error(done);
        }

        return true;
    }

    // The firmware marks a stream socket as connecting before it resolves the name: a failed lookup spends it.
    private void OnLookupFailed()
    {
        if (_core.IsStream && Profile == UsocketProfile.QuecPython)
        {
            _core.LookupFailed();
        }
    }

    // POSIX profile, a connect after a failed one: some hosts (and .NET on them) cannot reuse a socket whose connect
    // failed, so a fresh handle takes its place, with the same options, local address and poller registrations.
    private void RenewIfFailed()
    {
        if (_core.IsStream && _core.State == ConnectState.Failed)
        {
            int e = _core.Renew();
            _connectError = 0;
            if (e != 0)
            {
                throw Error(e);
            }
        }
    }

    // Outside Connect: settle a finished non-blocking connect, keeping its failure for the next Connect to raise.
    private void ObservePendingConnect()
    {
        if (_core.State == ConnectState.Connecting)
        {
            int result = _core.FinishConnect();
            if (result is not 0 and not Errno.EALREADY and not Errno.EBADF)
            {
                _connectError = result;
            }
        }
    }
}
