using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Usock.Chaos.Recording;
using Usock.Chaos.Relay;

namespace Usock.Chaos;

/// <summary>
/// A TCP or UDP proxy between a program and its peer that gives the traffic the faults of a bad cellular network:
/// latency, bandwidth caps, sliced writes, stalls, resets, slow closes, data limits, a proxy that is down, NAT idle
/// drops, outages of the data call, DNS failures, datagram loss. Faults act per direction with a probability and a
/// seed (a run repeats exactly), start and stop on a schedule, and can be added, changed and removed while traffic
/// flows. What happened is written to a timeline (JSON lines) and a pcap.
/// </summary>
/// <example>
/// <code>
/// await using var proxy = new ChaosProxy(new ChaosProxyOptions { UpstreamHost = "127.0.0.1", UpstreamPort = 9000 });
/// proxy.Start();
/// int natDrop = proxy.AddFault(Fault.NatIdle(TimeSpan.FromSeconds(2)));
/// // ... point the program at proxy.LocalEndPoint ...
/// proxy.RemoveFault(natDrop);
/// </code>
/// </example>
public sealed class ChaosProxy : IDisposable, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly ChaosProxyOptions _options;
    private readonly long _startTimestamp;
    private readonly ConcurrentDictionary<long, TcpConnection> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private FaultEntry[] _faults = [];
    private int _nextFaultId;
    private long _nextConnection;
    private Socket? _listener;
    private IPEndPoint? _bound;
    private UdpRelay? _udp;
    private ITimer? _ticker;
    private int _ticking;
    private bool _refusing;
    private bool _disposed;

    /// <summary>Makes a proxy; nothing listens until <see cref="Start"/>.</summary>
    /// <exception cref="ArgumentException">A bad port, buffer size or fault.</exception>
    public ChaosProxy(ChaosProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Listen);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.UpstreamHost);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.UpstreamPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.UpstreamPort, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Tick, TimeSpan.Zero);
        _options = options;
        Clock = options.TimeProvider;
        _startTimestamp = Clock.GetTimestamp();
        if (options.Timeline is not null)
        {
            Timeline = new Timeline(options.Timeline, options.TimelineData);
        }

        if (options.Pcap is not null)
        {
            Pcap = new PcapRecorder(options.Pcap, Clock);
        }

        foreach (Fault f in options.Faults)
        {
            AddFault(f);
        }
    }

    /// <summary>Where the proxy listens (the port picked when it was 0). Valid after <see cref="Start"/>.</summary>
    public IPEndPoint LocalEndPoint => _bound ?? throw new InvalidOperationException("the proxy has not started");

    /// <summary>The faults in force, with the ids that <see cref="ReplaceFault"/> and <see cref="RemoveFault"/> take.</summary>
    public IReadOnlyList<KeyValuePair<int, Fault>> Faults => [.. Volatile.Read(ref _faults).Select(e => new KeyValuePair<int, Fault>(e.Id, e.Fault))];

    /// <summary>TCP connections being relayed now (including silently dropped ones still held).</summary>
    public int ActiveConnections => _connections.Count;

    /// <summary>Connections (TCP) or sessions (UDP) accepted since the start.</summary>
    public long TotalConnections => Interlocked.Read(ref _nextConnection);

    /// <summary>Time since the proxy was made, on its clock: the timeline's and the schedule's zero.</summary>
    public TimeSpan Elapsed => Clock.GetElapsedTime(_startTimestamp);

    internal TimeProvider Clock { get; }

    internal Timeline? Timeline { get; }

    internal PcapRecorder? Pcap { get; }

    internal ChaosProxyOptions Options => _options;

    internal CancellationToken Stopping => _stop.Token;

    internal FaultEntry[] Snapshot => Volatile.Read(ref _faults);

    /// <summary>Starts listening and relaying.</summary>
    /// <exception cref="SocketException">The listen address cannot be bound.</exception>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_bound is not null)
            {
                throw new InvalidOperationException("the proxy has already started");
            }

            if (_options.Udp)
            {
                _udp = new UdpRelay(this);
                _bound = _udp.Start(_options.Listen);
            }
            else
            {
                _listener = OpenListener(_options.Listen);
                _bound = (IPEndPoint)_listener.LocalEndPoint!;
                StartAcceptLoop(_listener);
            }

            Timeline?.Write(Elapsed, 0, null, "start", null, 0, $"{(_options.Udp ? "udp" : "tcp")} {_bound} -> {_options.UpstreamHost}:{_options.UpstreamPort} seed {_options.Seed}");
            _ticker = Clock.CreateTimer(_ => Tick(), null, _options.Tick, _options.Tick);
        }

        Tick();
    }

    /// <summary>Adds a fault; it acts on connections already open and on new ones. Returns its id.</summary>
    /// <exception cref="ArgumentException">The fault's parameters are wrong (see <see cref="Fault.Validate"/>).</exception>
    public int AddFault(Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        fault.Validate();
        int id;
        lock (_gate)
        {
            id = ++_nextFaultId;
            _faults = [.. _faults, new FaultEntry(id, fault, Elapsed)];
        }

        Timeline?.Write(Elapsed, 0, null, "fault_added", fault.KindName, 0, $"{id}: {FaultText.Format(fault)}");
        Tick();
        return id;
    }

    /// <summary>Replaces fault <paramref name="id"/> with <paramref name="fault"/>; false if there is no such fault.</summary>
    public bool ReplaceFault(int id, Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        fault.Validate();
        lock (_gate)
        {
            int i = Array.FindIndex(_faults, e => e.Id == id);
            if (i < 0)
            {
                return false;
            }

            FaultEntry[] copy = [.. _faults];
            copy[i] = new FaultEntry(id, fault, Elapsed);
            _faults = copy;
        }

        Timeline?.Write(Elapsed, 0, null, "fault_changed", fault.KindName, 0, $"{id}: {FaultText.Format(fault)}");
        Tick();
        return true;
    }

    /// <summary>Removes fault <paramref name="id"/>; false if there is no such fault.</summary>
    public bool RemoveFault(int id)
    {
        FaultEntry? removed;
        lock (_gate)
        {
            removed = Array.Find(_faults, e => e.Id == id);
            if (removed is null)
            {
                return false;
            }

            _faults = [.. _faults.Where(e => e.Id != id)];
        }

        Timeline?.Write(Elapsed, 0, null, "fault_removed", removed.Fault.KindName, 0, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Tick();
        return true;
    }

    /// <summary>Removes every fault.</summary>
    public void ClearFaults()
    {
        foreach (KeyValuePair<int, Fault> f in Faults)
        {
            RemoveFault(f.Key);
        }
    }

    /// <summary>Stops listening, closes every connection and flushes the timeline and the pcap.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stop.Cancel();
        _ticker?.Dispose();
        _listener?.Dispose();
        _udp?.Dispose();
        foreach (TcpConnection c in _connections.Values)
        {
            c.Close("proxy_stopped");
        }

        Timeline?.Write(Elapsed, 0, null, "stop", null, 0);
        Pcap?.Dispose();
        _stop.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether fault <paramref name="e"/> is in force at <paramref name="now"/> (its schedule window).</summary>
    internal static bool Active(FaultEntry e, TimeSpan now)
    {
        TimeSpan start = e.Fault.Start ?? e.AddedAt;
        return now >= start && (e.Fault.Length is not { } length || now < start + length);
    }

    /// <summary>Whether fault <paramref name="e"/> applies to connection <paramref name="conn"/> (its toxicity, drawn from the seed).</summary>
    internal bool Applies(FaultEntry e, long conn) =>
        e.Fault.Kind == FaultKind.Loss || e.Fault.Toxicity >= 1 || Seeded.Draw(_options.Seed, conn, e.Id) < e.Fault.Toxicity;

    /// <summary>The first active fault of <paramref name="kind"/> that applies to <paramref name="conn"/>, or null.</summary>
    internal FaultEntry? Find(FaultKind kind, long conn, TimeSpan now, bool? up = null)
    {
        foreach (FaultEntry e in Snapshot)
        {
            if (e.Fault.Kind == kind && Active(e, now) && (up is null || e.Fault.Covers(up.Value)) && Applies(e, conn))
            {
                return e;
            }
        }

        return null;
    }

    internal long NextConnectionId() => Interlocked.Increment(ref _nextConnection);

    internal void Forget(TcpConnection c) => _connections.TryRemove(c.Id, out _);

    /// <summary>The upstream's addresses, or a failure while a DNS fault is active or the name does not resolve.</summary>
    internal async Task<IPAddress[]?> ResolveUpstream(long conn)
    {
        if (IPAddress.TryParse(_options.UpstreamHost, out IPAddress? literal))
        {
            return [literal];
        }

        if (Find(FaultKind.DnsFailure, conn, Elapsed) is { } dns)
        {
            Timeline?.Write(Elapsed, conn, null, "fault", dns.Fault.KindName, 0, $"{_options.UpstreamHost} does not resolve");
            return null;
        }

        try
        {
            return await Dns.GetHostAddressesAsync(_options.UpstreamHost, Stopping).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            Timeline?.Write(Elapsed, conn, null, "upstream_failed", null, 0, $"{_options.UpstreamHost}: {e.SocketErrorCode}");
            return null;
        }
    }

    private static Socket OpenListener(IPEndPoint at)
    {
        var s = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(at);
            s.Listen(4096);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    private void StartAcceptLoop(Socket listener) =>
        new Thread(() => AcceptLoop(listener), 256 * 1024) { IsBackground = true, Name = "chaos accept" }.Start();

    // Blocking accepts: an accepted socket stays in blocking mode, and the pumps use blocking calls (no thread-pool hop).
    private void AcceptLoop(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // closed: the proxy stopped, or went down (Tick reopens it)
            }

            long id = NextConnectionId();
            var conn = new TcpConnection(this, id, client);
            _connections[id] = conn;
            new Thread(() => Serve(conn), 256 * 1024) { IsBackground = true, Name = $"chaos {id} down" }.Start();
        }
    }

    private void Serve(TcpConnection conn)
    {
        try
        {
            conn.Run();
        }
        finally
        {
            _connections.TryRemove(conn.Id, out _);
        }
    }

    /// <summary>Applies the schedule and the connection-wide faults: listener up or down, resets, drops, stalls, idle times.</summary>
    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            lock (_gate)
            {
                if (_disposed || _bound is null)
                {
                    return;
                }

                TimeSpan now = Elapsed;
                FaultEntry? refuse = Snapshot.FirstOrDefault(e => e.Fault.Kind is FaultKind.Down or FaultKind.Outage && Active(e, now));
                if (refuse is not null && !_refusing)
                {
                    _refusing = true;
                    Timeline?.Write(now, 0, null, "refusing", refuse.Fault.KindName, 0, "new connections are refused");
                    _listener?.Dispose();
                    _listener = null;
                }
                else if (refuse is null && _refusing)
                {
                    _refusing = false;
                    Timeline?.Write(now, 0, null, "accepting", null, 0, "new connections are accepted again");
                    if (!_options.Udp)
                    {
                        _listener = OpenListener(_bound);
                        StartAcceptLoop(_listener);
                    }
                }

                foreach (TcpConnection c in _connections.Values)
                {
                    c.Evaluate(now);
                }

                _udp?.Evaluate(now);
            }
        }
#pragma warning disable CA1031 // a timer callback must not throw; a failure to reopen the listener is logged and retried next tick
        catch (Exception e)
#pragma warning restore CA1031
        {
            _refusing = true;
            Timeline?.Write(Elapsed, 0, null, "error", null, 0, e.Message);
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }
}

/// <summary>A fault in force: its id, the fault, and when it was added (on the proxy's clock).</summary>
internal sealed record FaultEntry(int Id, Fault Fault, TimeSpan AddedAt);
