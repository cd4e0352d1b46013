using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usock.Tests.Support;

/// <summary>
/// A TCP server on 127.0.0.1 (port 0) that echoes each line back and records, per connection (numbered from 1 in
/// accept order), the lines it received: what the peer of a device program saw.
/// </summary>
public sealed class LineEchoServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<(int Conn, string Line)> _lines = [];
    private readonly List<Socket> _accepted = [];

    /// <summary>Starts the server.</summary>
    public LineEchoServer()
    {
        _listener.Start(16);
        new Thread(AcceptLoop) { IsBackground = true, Name = "line echo accept" }.Start();
    }

    /// <summary>The port it listens on.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The lines received so far, as <c>"N: line"</c> (N the connection's number).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines.Select(l => $"{l.Conn}: {l.Line}")];
            }
        }
    }

    /// <summary>How many connections it accepted.</summary>
    public int Connections
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _listener.Stop();
        lock (_accepted)
        {
            foreach (Socket s in _accepted)
            {
                s.Dispose();
            }
        }
    }

    private void AcceptLoop()
    {
        try
        {
            while (true)
            {
                Socket s = _listener.AcceptSocket();
                int n;
                lock (_accepted)
                {
                    _accepted.Add(s);
                    n = _accepted.Count;
                }

                new Thread(() => Serve(s, n)) { IsBackground = true, Name = $"line echo {n}" }.Start();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // stopped
        }
    }

    private void Serve(Socket s, int n)
    {
        var pending = new List<byte>();
        byte[] buf = new byte[64 * 1024];
        try
        {
            int got;
            while ((got = s.Receive(buf)) > 0)
            {
                pending.AddRange(buf.AsSpan(0, got));
                int nl;
                while ((nl = pending.IndexOf((byte)'\n')) >= 0)
                {
                    byte[] line = [.. pending.Take(nl + 1)];
                    pending.RemoveRange(0, nl + 1);
                    lock (_lines)
                    {
                        _lines.Add((n, Encoding.ASCII.GetString(line, 0, line.Length - 1)));
                    }

                    s.Send(line);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the connection ended
        }
    }
}
