using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Usock.Chaos;

namespace Usock.Python.Network;

/// <summary>The program's connections: lookups and connects meet the network, and each TCP connection is relayed.</summary>
internal sealed partial class DeviceNetwork
{
    /// <summary>How long a connect waits for a data call when its socket has no timeout (lwIP gives up on SYNs too).</summary>
    public static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(20);

    private readonly ConditionalWeakTable<USocket, Address> _peers = [];
    private readonly List<RelayedConnection> _connections = [];
    private long _nextConn;

    /// <summary>A lookup of <paramref name="host"/>: throws -202 while lookups fail.</summary>
    public void CheckLookup(string host)
    {
        if (!IPAddress.TryParse(host, out _) && DnsFailing)
        {
            Timeline.Write(Now, "socket", "lookup_failed", peer: host, errno: Errno.LWIP_EAI_FAIL);
            throw new UsocketException(Errno.LWIP_EAI_FAIL);
        }
    }

    /// <summary>
    /// <c>connect((host, port))</c> through the network: -202 if the name does not resolve, 110 if no data call comes
    /// within the socket's timeout (<see cref="ConnectLimit"/> without one), else the peer's own answer; a connection
    /// made is relayed (<see cref="RelayedConnection"/>) and <c>getpeername</c> reports the peer.
    /// </summary>
    /// <param name="socket">The program's socket (TCP).</param>
    /// <param name="host">The host as the program gave it.</param>
    /// <param name="mapped">The address after <c>--resolve</c>.</param>
    /// <param name="blocking">Runs a blocking call of the socket so that Ctrl-C wakes it.</param>
    public void Connect(USocket socket, string host, (string Host, int Port) mapped, Action<Action> blocking)
    {
        CheckLookup(host);
        TimeSpan started = Now;
        TimeSpan limit = socket.Timeout is { } t ? TimeSpan.FromSeconds(t) : ConnectLimit;
        if (!WaitAttached(started + limit))
        {
            Timeline.Write(Now, "socket", "connect_failed", peer: $"{mapped.Host}:{mapped.Port}", errno: Errno.ETIMEDOUT, detail: "no data call");
            throw new UsocketException(Errno.ETIMEDOUT);
        }

        IPAddress ip = IPAddress.TryParse(mapped.Host, out IPAddress? literal) ? literal : IPAddress.Parse(USocket.GetAddrInfo(mapped.Host, mapped.Port)[0].SockAddr.Host);
        string peer = new IPEndPoint(ip, mapped.Port).ToString();
        long epoch = Epoch;
        // A non-blocking socket (timeout 0) still gets a real attempt at the peer: the program polls for the result.
        Socket? upstream = ConnectUpstream(ip, mapped.Port, limit > TimeSpan.Zero ? limit - (Now - started) : ConnectLimit);
        if (upstream is null)
        {
            // Not reached: let the program's socket meet the peer itself, so it gets the peer's own error.
            try
            {
                blocking(() => socket.Connect((ip.ToString(), mapped.Port)));
            }
            catch (UsocketException e)
            {
                Timeline.Write(Now, "socket", "connect_failed", peer: peer, errno: e.Errno);
                throw;
            }

            Timeline.Write(Now, "socket", "connect", peer: peer, detail: "not relayed");
            return;
        }

        bool v6 = socket.Family == USocket.AF_INET6;
        using var listener = new Socket(v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Socket? program = null;
        UsocketException? inProgress = null;
        try
        {
            // A small receive buffer, inherited by the accepted socket: a stalled program's sends stall soon, as on a device.
            listener.ReceiveBufferSize = 16 * 1024;
            listener.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
            listener.Listen(1);
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            try
            {
                blocking(() => socket.Connect((v6 ? "::1" : "127.0.0.1", port)));
            }
            catch (UsocketException e) when (e.Errno == Errno.EINPROGRESS && listener.Poll(5_000_000, SelectMode.SelectRead))
            {
                // A non-blocking connect: the loopback handshake is done at once; the program sees EINPROGRESS as usual.
                inProgress = e;
            }

            program = listener.Accept();
        }
        catch
        {
            program?.Dispose();
            upstream.Dispose();
            throw;
        }

        long id = Interlocked.Increment(ref _nextConn);
        _peers.AddOrUpdate(socket, new Address(ip.ToString(), mapped.Port));
        Timeline.Write(Now, "socket", "connect", conn: id, peer: peer, detail: host == mapped.Host ? null : host);
        var conn = new RelayedConnection(this, id, socket, program, upstream, peer, epoch);
        lock (_connections)
        {
            _connections.Add(conn);
        }

        conn.Start();
        if (inProgress is not null)
        {
            throw inProgress;
        }
    }

    /// <summary>Puts an error the program got from a data-path call on the timeline; returns it.</summary>
    public Exception? Errored(Exception? e)
    {
        if (e is UsocketException u)
        {
            Timeline.Write(Now, "socket", "error", errno: u.Errno);
        }

        return e;
    }

    /// <summary>The peer a relayed socket is connected to, or null.</summary>
    public Address? PeerOf(USocket socket) => _peers.TryGetValue(socket, out Address? a) ? a : null;

    /// <summary>Ends the run's network: what the program sent that is still queued counts as lost; writes the summary.</summary>
    /// <returns>The summary, for people.</returns>
    public string Finish()
    {
        RelayedConnection[] all;
        lock (_connections)
        {
            all = [.. _connections];
        }

        foreach (RelayedConnection c in all)
        {
            c.Finish();
        }

        TimeSpan end = Now;
        string summary = Timeline.Summarize(end);
        if (PicturePath is not null)
        {
            File.WriteAllText(PicturePath, NetworkPicture.Render(Timeline.Entries, end, summary));
        }

        return summary;
    }

    /// <summary>Where <see cref="Finish"/> draws the run (<c>--picture FILE</c>), or null.</summary>
    public string? PicturePath { get; private set; }

    /// <summary>Starts the network of this run from <c>--network</c>, <c>--seed</c>, <c>--timeline</c> and <c>--picture</c>.</summary>
    /// <exception cref="ArgumentException">The scenario file is not valid (the message names the line).</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    public static DeviceNetwork Start(string scenarioPath, long? seed, string? timelinePath, string? picturePath, IReadOnlyDictionary<string, string> device)
    {
        NetworkScenario scenario = NetworkScenario.Load(scenarioPath);
        int attachMs = device.TryGetValue("attach_ms", out string? ms) || (ms = Environment.GetEnvironmentVariable("USOCK_ATTACH_MS")) is not null
            ? int.Parse(ms, NumberStyles.None, CultureInfo.InvariantCulture) : 1000;
        TextWriter? timeline = timelinePath is null ? null : timelinePath == "-" ? Console.Error : new StreamWriter(timelinePath);
        DeviceNetwork net = Start(scenario, seed ?? scenario.Seed ?? 0, timeline, attachMs);
        net.PicturePath = picturePath;
        return net;
    }

    private static Socket? ConnectUpstream(IPAddress ip, int port, TimeSpan limit)
    {
        var s = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(limit > TimeSpan.Zero ? limit : TimeSpan.FromMilliseconds(1));
            s.ConnectAsync(new IPEndPoint(ip, port), cts.Token).AsTask().GetAwaiter().GetResult();
            return s;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            s.Dispose();
            return null;
        }
    }
}
