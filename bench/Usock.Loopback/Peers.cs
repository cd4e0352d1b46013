using System.Net;
using System.Net.Sockets;

namespace Usock.Loopback;

/// <summary>One side of a connection, written once per implementation so every scenario runs the same loop.</summary>
internal interface IConn : IDisposable
{
    void SendAll(ReadOnlySpan<byte> data);

    /// <summary>Fills the buffer; short only at end of stream.</summary>
    int ReadExactly(Span<byte> buffer);

    /// <summary>Whatever is there, at least one byte; 0 at end of stream.</summary>
    int RecvSome(Span<byte> buffer);

    /// <summary>A line with its \n; empty at end of stream.</summary>
    byte[] ReadLine();

    void ShutdownWrite();
}

internal interface IListener : IDisposable
{
    int Port { get; }

    IConn Accept();
}

internal interface IUdp : IDisposable
{
    int Port { get; }

    void SendTo(ReadOnlySpan<byte> data, int port);

    int RecvFrom(Span<byte> buffer, out int port);
}

internal interface IImpl
{
    /// <summary>The "many" server: accept <paramref name="n"/> connections after a control connection, echo on all of
    /// them the way this implementation scales (a poller, async), and report memory per connection when told.</summary>
    void ServeMany(int n, TextWriter control);

    IListener Listen(int backlog);

    IConn Connect(int port);

    IUdp Udp();
}

/// <summary>Usock, as a program would use it (blocking; POSIX profile, so end of stream reads as empty like the others).</summary>
internal sealed class UsockImpl : IImpl
{
    public void ServeMany(int n, TextWriter control)
    {
        using var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER, UsocketProfile.Posix);
        l.Bind(("127.0.0.1", 0));
        l.Listen(4096);
        control.WriteLine($"PORT {l.GetSockName().Port}");
        control.Flush();
        (USocket ctl, _, _) = l.Accept();
        Memory.Baseline();
        l.SetBlocking(false);
        ctl.SetBlocking(false);
        using Poller poller = USelect.Poll();
        poller.Register(l, USelect.POLLIN);
        poller.Register(ctl, USelect.POLLIN);
        var conns = new List<USocket>(n);
        Span<byte> buf = stackalloc byte[512];
        while (true)
        {
            foreach ((USocket s, int _) in poller.IPoll(-1))
            {
                if (s == l)
                {
                    (USocket c, _, _) = l.Accept();
                    c.SetBlocking(false);
                    conns.Add(c);
                    poller.Register(c, USelect.POLLIN);
                }
                else if (s == ctl)
                {
                    ctl.RecvInto(buf);
                    Memory.Report(conns.Count, control);
                    ctl.Send("K"u8);
                    conns.ForEach(c => c.Close());
                    return;
                }
                else
                {
                    int got = s.RecvInto(buf);
                    if (got > 0)
                    {
                        s.Write(buf[..got]);
                    }
                }
            }
        }
    }

    public IListener Listen(int backlog)
    {
        var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER, UsocketProfile.Posix);
        l.SetSockOpt(USocket.SOL_SOCKET, USocket.SO_REUSEADDR, 1);
        l.Bind(("127.0.0.1", 0));
        l.Listen(backlog);
        return new Listener(l);
    }

    public IConn Connect(int port)
    {
        var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        s.Connect(("127.0.0.1", port));
        return new Conn(s);
    }

    public IUdp Udp()
    {
        var s = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, UsocketProfile.Posix);
        s.Bind(("127.0.0.1", 0));
        return new Dgram(s);
    }

    private sealed class Listener(USocket l) : IListener
    {
        public int Port { get; } = l.GetSockName().Port;

        public IConn Accept() => new Conn(l.Accept().Conn);

        public void Dispose() => l.Close();
    }

    private sealed class Conn(USocket s) : IConn
    {
        public void SendAll(ReadOnlySpan<byte> data) => s.SendAll(data);

        public int ReadExactly(Span<byte> buffer) => s.ReadInto(buffer) ?? 0;

        public int RecvSome(Span<byte> buffer) => s.RecvInto(buffer);

        public byte[] ReadLine() => s.ReadLine()!;

        public void ShutdownWrite() => s.Shutdown(USocket.SHUT_WR);

        public void Dispose() => s.Close();
    }

    private sealed class Dgram(USocket s) : IUdp
    {
        public int Port { get; } = s.GetSockName().Port;

        public void SendTo(ReadOnlySpan<byte> data, int port) => s.SendTo(data, ("127.0.0.1", port));

        public int RecvFrom(Span<byte> buffer, out int port)
        {
            (byte[] bytes, (string _, int p)) = s.RecvFrom(buffer.Length);
            bytes.CopyTo(buffer);
            port = p;
            return bytes.Length;
        }

        public void Dispose() => s.Close();
    }
}

/// <summary>Raw System.Net.Sockets.Socket: the baseline.</summary>
internal sealed class RawImpl : IImpl
{
    public void ServeMany(int n, TextWriter control)
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(4096);
        control.WriteLine($"PORT {((IPEndPoint)l.LocalEndPoint!).Port}");
        control.Flush();
        Socket ctl = l.Accept();
        Memory.Baseline();
        var conns = new List<Socket>(n);
        var echoes = new List<Task>(n);
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                Socket c;
                try
                {
                    c = await l.AcceptAsync();
                }
                catch (Exception)
                {
                    return;
                }

                lock (conns)
                {
                    conns.Add(c);
                }

                echoes.Add(Echo(c));
            }
        });
        ctl.Receive(new byte[1]);
        int count;
        lock (conns)
        {
            count = conns.Count;
        }

        Memory.Report(count, control);
        ctl.Send("K"u8);
        lock (conns)
        {
            conns.ForEach(c => c.Dispose());
        }

        static async Task Echo(Socket c)
        {
            var buf = new byte[512];
            try
            {
                while (true)
                {
                    int got = await c.ReceiveAsync(buf, SocketFlags.None);
                    if (got == 0)
                    {
                        return;
                    }

                    await c.SendAsync(buf.AsMemory(0, got), SocketFlags.None);
                }
            }
            catch (Exception)
            {
                // closed at the end
            }
        }
    }

    public IListener Listen(int backlog)
    {
        var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(backlog);
        return new Listener(l);
    }

    public IConn Connect(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(new IPEndPoint(IPAddress.Loopback, port));
        return new Conn(s);
    }

    public IUdp Udp()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new Dgram(s);
    }

    private sealed class Listener(Socket l) : IListener
    {
        public int Port { get; } = ((IPEndPoint)l.LocalEndPoint!).Port;

        public IConn Accept() => new Conn(l.Accept());

        public void Dispose() => l.Dispose();
    }

    private sealed class Conn(Socket s) : IConn
    {
        private readonly byte[] _buf = new byte[16 * 1024];
        private int _start;
        private int _end;

        public void SendAll(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                data = data[s.Send(data)..];
            }
        }

        public int ReadExactly(Span<byte> buffer)
        {
            int got = 0;
            while (got < buffer.Length)
            {
                int n = s.Receive(buffer[got..]);
                if (n == 0)
                {
                    break;
                }

                got += n;
            }

            return got;
        }

        public int RecvSome(Span<byte> buffer) => s.Receive(buffer);

        // A hand-written buffered byte loop: what a careful .NET programmer writes without a library.
        public byte[] ReadLine()
        {
            var line = new List<byte>(128);
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = s.Receive(_buf);
                    if (_end == 0)
                    {
                        return line.ToArray();
                    }
                }

                int at = _buf.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (at >= 0)
                {
                    if (line.Count == 0)
                    {
                        byte[] result = _buf.AsSpan(_start, at + 1).ToArray();
                        _start += at + 1;
                        return result;
                    }

                    line.AddRange(_buf.AsSpan(_start, at + 1));
                    _start += at + 1;
                    return line.ToArray();
                }

                line.AddRange(_buf.AsSpan(_start, _end - _start));
                _start = _end;
            }
        }

        public void ShutdownWrite() => s.Shutdown(SocketShutdown.Send);

        public void Dispose() => s.Dispose();
    }

    private sealed class Dgram(Socket s) : IUdp
    {
        private EndPoint _from = new IPEndPoint(IPAddress.Any, 0);

        public int Port { get; } = ((IPEndPoint)s.LocalEndPoint!).Port;

        public void SendTo(ReadOnlySpan<byte> data, int port) => s.SendTo(data, SocketFlags.None, new IPEndPoint(IPAddress.Loopback, port));

        public int RecvFrom(Span<byte> buffer, out int port)
        {
            int n = s.ReceiveFrom(buffer, SocketFlags.None, ref _from);
            port = ((IPEndPoint)_from).Port;
            return n;
        }

        public void Dispose() => s.Dispose();
    }
}

/// <summary>Server memory per connection: RSS and managed heap after the connections, against before.</summary>
internal static class Memory
{
    private static long s_rss;
    private static long s_heap;
    private static long s_allocated;

    public static void Baseline()
    {
        s_heap = GC.GetTotalMemory(forceFullCollection: true);
        s_rss = Rss();
        s_allocated = GC.GetTotalAllocatedBytes(precise: true);
    }

    public static void Report(int connections, TextWriter control)
    {
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        long rss = Rss();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - s_allocated;
        int n = Math.Max(connections, 1);
        control.WriteLine($"NOTE {connections} connections: managed heap {(heap - s_heap) / n} B/conn, allocated {allocated / n} B/conn, RSS {(rss - s_rss) / n} B/conn");
        control.WriteLine($"RESULT {(rss - s_rss) / 1024.0 / Math.Max(connections, 1):F2}");
        control.Flush();
    }

    private static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }

        return 0;
    }
}
