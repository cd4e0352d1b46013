namespace Usock.Core;

/// <summary>
/// The one internal core under a <see cref="USocket"/>: it owns the OS handle, the timeout and the clock each call's
/// one deadline runs on, the close protocol, the "closed → 9 EBADF" rule, the connect state, and the readiness waits
/// (synchronous in the kernel, asynchronous through <see cref="ReadinessQueue"/>). It offers errno-returning primitives
/// to every caller — the synchronous members, the async members and the poller — and never throws for a network
/// error; <see cref="USocket"/> turns a non-zero errno into an exception in one place.
/// </summary>
/// <remarks>
/// <para><b>Calls hold the handle.</b> Every primitive runs between <see cref="TryEnter"/> and <see cref="Exit"/>, so
/// <see cref="Close"/> knows whether a call is inside the OS.</para>
/// <para><b>Close is a protocol, written once.</b> Mark closed (new calls get EBADF); complete every async waiter
/// with EBADF and wake every poller watching; if a call is inside the OS, shut the socket down (a receive returns, a
/// send stops, an accept or a connect ends; data already queued is still delivered, then FIN) and wait for those calls
/// to leave; then dispose. A dispose with no call inside is the normal, graceful close: the peer gets every byte and a
/// FIN, never the reset .NET sends when it closes under a running call.</para>
/// <para><b>The descriptor's mode is an optimisation.</b> A blocking socket makes blocking calls (one system call per
/// operation); otherwise the descriptor is non-blocking. Every primitive treats "would block" by waiting within its
/// deadline whatever the mode, so mixing modes, threads and async calls is always correct.</para>
/// </remarks>
internal sealed partial class SocketCore
{
    // How long Close waits for calls it woke to leave the OS before it disposes anyway.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private IWatcher[] _watchers = []; // copy-on-write under _lock: readers take the array as it is, without a lock
    private ReadinessQueue? _readReady; // made on the first async wait: most sockets never make one
    private ReadinessQueue? _writeReady;
    private Socket _socket;
    private int _closed;
    private int _active;
    private ManualResetEventSlim? _drained;
    private long _timeoutMs = -1;
    private TimeProvider _clock;
    private bool _osNonBlocking;
    private bool _stickyNonBlocking; // an async call made the descriptor non-blocking; it stays so
    private ulong _engineToken;
    private bool _readShut;

    public SocketCore(Socket socket, AddressFamily family, SocketType type, ProtocolType protocol, TimeProvider clock)
    {
        _socket = socket;
        Family = family;
        Type = type;
        Protocol = protocol;
        _clock = clock;
        _osNonBlocking = !socket.Blocking;
    }

    /// <summary>Something that watches this socket (a poller): told when it closes or its handle changes.</summary>
    public interface IWatcher
    {
        void OnClosed(SocketCore core);

        /// <summary>The stream methods left bytes in the socket's read buffer, which the kernel does not see as readable.</summary>
        void OnBuffered(SocketCore core);

        void OnHandleRenewed(SocketCore core, Socket old, Socket fresh);
    }

    public AddressFamily Family { get; }

    public SocketType Type { get; }

    public ProtocolType Protocol { get; }

    public bool IsStream => Type == SocketType.Stream;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>The current handle (for reads of kernel state and for tests); null once closed.</summary>
    public Socket? Handle => IsClosed ? null : _socket;

    /// <summary>Async waiters for readability (made on first use).</summary>
    public ReadinessQueue ReadReady => _readReady ?? MakeQueue(ref _readReady, SelectMode.SelectRead);

    /// <summary>Async waiters for writability (made on first use).</summary>
    public ReadinessQueue WriteReady => _writeReady ?? MakeQueue(ref _writeReady, SelectMode.SelectWrite);

    /// <summary>The readiness engine's edge: only queues that exist have waiters to tell.</summary>
    public void SignalReady(bool read, bool write)
    {
        if (read)
        {
            Volatile.Read(ref _readReady)?.Signal();
        }

        if (write)
        {
            Volatile.Read(ref _writeReady)?.Signal();
        }
    }

    /// <summary>-1 blocks forever, 0 is non-blocking, else milliseconds.</summary>
    public long TimeoutMs => Volatile.Read(ref _timeoutMs);

    public TimeProvider Clock
    {
        get => _clock;
        set => _clock = value;
    }

    /// <summary>The connect state machine (see <see cref="ConnectState"/>).</summary>
    public ConnectState State { get; private set; }

    /// <summary>The local address the program bound (renewal binds the fresh handle to it).</summary>
    public IPEndPoint? BoundByUser { get; private set; }

    public IPEndPoint? Local { get; set; }

    public IPEndPoint? Remote { get; set; }

    public bool ReuseAddress { get; set; }

    public int KeepAliveMinutes { get; set; }

    /// <summary>The program made this IPv6 socket IPv6-only (renewal keeps it so).</summary>
    public bool V6Only { get; set; }

    /// <summary>Starts one call's deadline on the socket's clock.</summary>
    public Deadline StartDeadline() => Deadline.Start(TimeoutMs, _clock);

    /// <summary>Enters a call: false (the caller answers EBADF) when the socket is closed.</summary>
    public bool TryEnter(out Socket s)
    {
        Interlocked.Increment(ref _active);
        if (IsClosed)
        {
            Exit();
            s = null!;
            return false;
        }

        s = _socket;
        return true;
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && IsClosed)
        {
            Volatile.Read(ref _drained)?.Set();
        }
    }

    /// <summary>Sets the timeout: the descriptor blocks only for "forever" and when no async call made it non-blocking.</summary>
    public int SetTimeout(long ms)
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            lock (_lock)
            {
                bool nonBlocking = ms >= 0 || _stickyNonBlocking;
                int e = nonBlocking == _osNonBlocking ? 0 : SocketPal.SetBlocking(s, !nonBlocking);
                if (e != 0)
                {
                    return e;
                }

                _osNonBlocking = nonBlocking;
                if (nonBlocking && !LinuxCalls.IsEnabled)
                {
                    // .NET never makes a descriptor blocking again once it made it non-blocking: it emulates blocking
                    // calls with waits of its own, in managed code. Usock keeps the descriptor non-blocking too and
                    // waits itself (in poll), so Close and the deadlines work the same on both paths.
                    _stickyNonBlocking = true;
                }

                Volatile.Write(ref _timeoutMs, ms);
                return 0;
            }
        }
        finally
        {
            Exit();
        }
    }

    // Publishes a queue once; one made after Close is closed at once (Close marks the socket closed before it looks
    // for queues, and this looks at the mark after publishing, so no waiter is left behind either way).
    private ReadinessQueue MakeQueue(ref ReadinessQueue? field, SelectMode mode)
    {
        var made = new ReadinessQueue(this, mode);
        ReadinessQueue queue = Interlocked.CompareExchange(ref field, made, null) ?? made;
        if (ReferenceEquals(queue, made) && IsClosed)
        {
            made.Close();
        }

        return queue;
    }

    /// <summary>
    /// Closes the socket (idempotent): see the class remarks. Returns when the handle is released, so the peer's view
    /// (data, then FIN) is settled by the kernel from then on.
    /// </summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        Volatile.Read(ref _readReady)?.Close();
        Volatile.Read(ref _writeReady)?.Close();
        IWatcher[] watchers;
        lock (_lock)
        {
            watchers = _watchers;
            _watchers = [];
        }

        foreach (IWatcher w in watchers)
        {
            w.OnClosed(this);
        }

        Socket s = _socket;
        if (Volatile.Read(ref _active) > 0)
        {
            var drained = new ManualResetEventSlim(false);
            Volatile.Write(ref _drained, drained);
            if (Volatile.Read(ref _active) > 0)
            {
                // Wake calls inside the OS. A shutdown, unlike .NET's dispose under a running call, does not reset
                // the connection: queued data still goes out, then FIN.
                SocketPal.Shutdown(s, SocketShutdown.Both);
                drained.Wait(DrainLimit);
            }
        }

        ForgetEngine(s);
        s.Dispose();
    }

    /// <summary>Half-close; a shut-down read side makes later receives end at once instead of waiting.</summary>
    public int Shutdown(SocketShutdown how)
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            int e = SocketPal.Shutdown(s, how);
            if (e == 0 && how != SocketShutdown.Send)
            {
                _readShut = true;
            }

            return e;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Adds a watcher; false when the socket is closed.</summary>
    public bool AddWatcher(IWatcher watcher)
    {
        lock (_lock)
        {
            if (IsClosed)
            {
                return false;
            }

            _watchers = [.. _watchers, watcher];
            return true;
        }
    }

    public void RemoveWatcher(IWatcher watcher)
    {
        lock (_lock)
        {
            int i = Array.IndexOf(_watchers, watcher);
            if (i >= 0)
            {
                _watchers = [.. _watchers.AsSpan(0, i), .. _watchers.AsSpan(i + 1)];
            }
        }
    }

    /// <summary>Tells the watchers (if any) that bytes are buffered above the kernel; free when nobody watches.</summary>
    public void NotifyBuffered()
    {
        foreach (IWatcher w in Volatile.Read(ref _watchers))
        {
            w.OnBuffered(this);
        }
    }

    /// <summary>
    /// Replaces the handle with a fresh one (POSIX profile, a connect after a failed one: some hosts cannot reuse such a
    /// socket), carrying the timeout mode, options and the local address; watchers and the async engine follow.
    /// </summary>
    public int Renew()
    {
        if (!TryEnter(out Socket old))
        {
            return Errno.EBADF;
        }

        try
        {
            IPEndPoint? bound = BoundByUser;
            if (bound is not null && bound.Port == 0 && SocketPal.GetLocalEndPoint(old, out IPEndPoint? actual) == 0 && actual is not null)
            {
                bound = actual;
            }

            int e = SocketPal.Create(Family, Type, Protocol, out Socket? created);
            if (e != 0)
            {
                return e;
            }

            Socket fresh = created!;
            e = ConfigureNew(fresh);
            if (e == 0)
            {
                e = SocketPal.SetBlocking(fresh, !_osNonBlocking);
            }

            if (e == 0 && ReuseAddress)
            {
                e = HostOptions.SetReuseAddress(fresh, true);
            }

            if (e == 0 && KeepAliveMinutes > 0)
            {
                e = HostOptions.SetKeepAliveMinutes(fresh, KeepAliveMinutes);
            }

            if (e == 0 && V6Only)
            {
                e = SocketPal.SetOption(fresh, SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, 1);
            }

            if (e != 0)
            {
                fresh.Dispose();
                return e;
            }

            IWatcher[] watchers;
            lock (_lock)
            {
                ForgetEngine(old, keepToken: true);
                _socket = fresh;
                watchers = _watchers;
                if (_engineToken != 0)
                {
                    ReadinessEngine.Shared?.Reregister(fresh, _engineToken);
                }
            }

            old.Dispose(); // frees the local port for the fresh handle
            foreach (IWatcher w in watchers)
            {
                w.OnHandleRenewed(this, old, fresh);
            }

            if (bound is not null)
            {
                e = SocketPal.Bind(fresh, bound);
            }

            State = ConnectState.Idle;
            Local = null;
            Remote = null;
            return e;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Options every handle this library makes gets: an IPv6 socket is dual-stack, as lwIP's and Linux's are.</summary>
    public static int ConfigureNew(Socket s) =>
        s.AddressFamily == AddressFamily.InterNetworkV6 && s.SocketType != SocketType.Raw
            ? SocketPal.SetOption(s, SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, 0)
            : 0;

    // ------------------------------------------------------------------ connect state transitions

    /// <summary>A connect starts (the handle is about to be asked).</summary>
    public void ConnectStarting()
    {
        if (IsStream)
        {
            State = ConnectState.Connecting;
        }
    }

    public void Connected(IPEndPoint remote)
    {
        State = ConnectState.Connected;
        Remote = remote;
    }

    public void ConnectFailed() => State = IsStream ? ConnectState.Failed : State;

    /// <summary>Device profile: a lookup that failed spends the socket, as the firmware marks it before resolving.</summary>
    public void LookupFailed() => State = ConnectState.Failed;

    public void Listening() => State = ConnectState.Listening;

    public void BoundTo(IPEndPoint ep) => BoundByUser = ep;
}
