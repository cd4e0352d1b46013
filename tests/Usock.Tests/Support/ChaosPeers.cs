using System.Net;
using System.Net.Sockets;
using Usock.Chaos;

namespace Usock.Tests.Support;

/// <summary>
/// Peers for the chaos tests, written with plain System.Net.Sockets so the proxy is checked against something
/// other than Usock: an echo server and a sink that records what arrived and how it ended (FIN or RST).
/// </summary>
public sealed class ChaosPeer : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _accepted = [];
    private readonly bool _echo;
    private readonly MemoryStream _received = new();
    private readonly object _gate = new();

    private ChaosPeer(bool echo)
    {
        _echo = echo;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(2048);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        new Thread(Accept) { IsBackground = true }.Start();
    }

    public int Port { get; }

    /// <summary>How every connection so far ended: "fin", "reset", or still open.</summary>
    public List<string> Endings { get; } = [];

    public int Accepted
    {
        get
        {
            lock (_gate)
            {
                return _accepted.Count;
            }
        }
    }

    /// <summary>Echoes every byte back on the same connection.</summary>
    public static ChaosPeer Echo() => new(true);

    /// <summary>Reads and keeps everything (all connections, in order of arrival).</summary>
    public static ChaosPeer Sink() => new(false);

    public byte[] Received()
    {
        lock (_gate)
        {
            return _received.ToArray();
        }
    }

    public List<string> EndingsNow()
    {
        lock (_gate)
        {
            return [.. Endings];
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_gate)
        {
            foreach (Socket s in _accepted)
            {
                s.Dispose();
            }
        }
    }

    private void Accept()
    {
        while (true)
        {
            Socket c;
            try
            {
                c = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_gate)
            {
                _accepted.Add(c);
            }

            new Thread(() => Serve(c)) { IsBackground = true }.Start();
        }
    }

    private void Serve(Socket c)
    {
        byte[] buffer = new byte[64 * 1024];
        string ending = "open";
        try
        {
            while (true)
            {
                int n = c.Receive(buffer);
                if (n == 0)
                {
                    ending = "fin";
                    break;
                }

                if (_echo)
                {
                    c.Send(buffer.AsSpan(0, n));
                }
                else
                {
                    lock (_gate)
                    {
                        _received.Write(buffer, 0, n);
                    }
                }
            }

            if (_echo)
            {
                c.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException e)
        {
            ending = e.SocketErrorCode == SocketError.ConnectionReset ? "reset" : e.SocketErrorCode.ToString();
        }
        catch (ObjectDisposedException)
        {
            ending = "disposed";
        }

        lock (_gate)
        {
            Endings.Add(ending);
        }
    }
}

/// <summary>Proxies made for one test: a short tick, a timeline kept in memory.</summary>
public static class ChaosSetup
{
    public static ChaosProxy Start(int upstreamPort, StringWriter? timeline = null, long seed = 1, params Fault[] faults)
    {
        var options = new ChaosProxyOptions
        {
            UpstreamHost = "127.0.0.1",
            UpstreamPort = upstreamPort,
            Seed = seed,
            Tick = TimeSpan.FromMilliseconds(10),
            Timeline = timeline,
        };
        foreach (Fault f in faults)
        {
            options.Faults.Add(f);
        }

        var proxy = new ChaosProxy(options);
        proxy.Start();
        return proxy;
    }

    public static (string Host, int Port) Address(ChaosProxy proxy) => ("127.0.0.1", proxy.LocalEndPoint.Port);

    /// <summary>A Usock client connected through the proxy, with a timeout.</summary>
    public static USocket Client(ChaosProxy proxy, UsocketProfile profile = UsocketProfile.QuecPython, double timeout = Loopback.Patience)
    {
        var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        s.SetTimeout(timeout);
        s.Connect(Address(proxy));
        return s;
    }

    /// <summary>A plain System.Net.Sockets client connected through the proxy.</summary>
    public static Socket RawClient(ChaosProxy proxy, int timeoutMs = 10_000)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = timeoutMs, SendTimeout = timeoutMs };
        s.Connect(IPAddress.Loopback, proxy.LocalEndPoint.Port);
        return s;
    }

    /// <summary>Runs <paramref name="action"/> on a background thread (a sender while the test reads).</summary>
    public static Thread Background(Action action)
    {
        var t = new Thread(() => action()) { IsBackground = true };
        t.Start();
        return t;
    }

    /// <summary>Waits for a <see cref="Background"/> thread, failing the test after the patience.</summary>
    public static void Join(Thread t) => Xunit.Assert.True(t.Join(TimeSpan.FromSeconds(Loopback.Patience)), "the background thread did not finish");

    /// <summary>Reads exactly <paramref name="count"/> bytes from a raw socket.</summary>
    public static byte[] ReadRaw(Socket s, int count)
    {
        byte[] data = new byte[count];
        int at = 0;
        while (at < count)
        {
            int n = s.Receive(data, at, count - at, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException($"end of stream after {at} of {count} bytes");
            }

            at += n;
        }

        return data;
    }
}

/// <summary>A timeline kept in memory that a test may read while the proxy writes to it.</summary>
public sealed class TimelineCapture : StringWriter
{
    private readonly object _gate = new();

    public override void Write(char value)
    {
        lock (_gate)
        {
            base.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            base.Write(value);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            base.WriteLine(value);
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return base.ToString();
        }
    }
}
