using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usock.Tests.Support;

/// <summary>
/// A test's own TCP peer for a device program (a server it connects to, a UART wire): a loopback listener on port
/// 0 whose accept and reads are bounded by <see cref="CliProcess.Patience"/>.
/// </summary>
public sealed class TcpPeer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private Socket? _conn;

    public TcpPeer() => _listener.Start(1);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The accepted connection (accepted on first use, within the patience).</summary>
    public Socket Conn
    {
        get
        {
            if (_conn is null)
            {
                using var cts = new CancellationTokenSource(CliProcess.Patience);
                _conn = _listener.AcceptSocketAsync(cts.Token).AsTask().GetAwaiter().GetResult();
                _conn.ReceiveTimeout = (int)CliProcess.Patience.TotalMilliseconds;
                _conn.SendTimeout = (int)CliProcess.Patience.TotalMilliseconds;
            }

            return _conn;
        }
    }

    public void Send(string text) => Conn.Send(Encoding.ASCII.GetBytes(text));

    /// <summary>Reads exactly <paramref name="count"/> bytes (fails the test on end of stream or the patience).</summary>
    public string ReadExactly(int count)
    {
        byte[] buf = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = Conn.Receive(buf, got, count - got, SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidOperationException($"end of stream after {got} of {count} bytes: '{Encoding.ASCII.GetString(buf, 0, got)}'");
            }

            got += n;
        }

        return Encoding.ASCII.GetString(buf);
    }

    /// <summary>Everything until the program closes its end.</summary>
    public string ReadToEnd()
    {
        var all = new MemoryStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = Conn.Receive(buf)) > 0)
        {
            all.Write(buf, 0, n);
        }

        return Encoding.ASCII.GetString(all.ToArray());
    }

    /// <summary>Closes the connection (the program sees end of stream).</summary>
    public void Close() => _conn?.Close();

    public void Dispose()
    {
        _conn?.Dispose();
        _listener.Dispose();
    }
}
