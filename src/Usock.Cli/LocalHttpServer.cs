using System.Text;

namespace Usock.Cli;

/// <summary>
/// A small HTTP server on 127.0.0.1, written with Usock, standing in for the documentation's web server:
/// it answers every request with a short news page and keeps the connection open until the client closes.
/// </summary>
internal sealed class LocalHttpServer : IDisposable
{
    private const string Page =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>News</title></head>\n<body><h1>News</h1>\n" +
        "<p>Served by usock's local example server on 127.0.0.1, standing in for www.tongxinmao.com/News.</p>\n" +
        "<p>Every byte of this exchange went through the Usock library on both ends.</p>\n</body></html>\n";

    private readonly USocket _listener;
    private readonly Thread _thread;

    private LocalHttpServer(USocket listener)
    {
        _listener = listener;
        Port = listener.GetSockName().Port;
        _thread = new Thread(Serve) { IsBackground = true, Name = "usock example server" };
        _thread.Start();
    }

    public int Port { get; }

    public static LocalHttpServer Start()
    {
        var listener = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        try
        {
            listener.Bind(("127.0.0.1", 0));
            listener.Listen(8);
            return new LocalHttpServer(listener);
        }
        catch
        {
            listener.Close();
            throw;
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Serve()
    {
        while (true)
        {
            USocket conn;
            try
            {
                (conn, _, _) = _listener.Accept();
            }
            catch (UsocketException)
            {
                return; // closed by Dispose
            }

            using (conn)
            {
                try
                {
                    Answer(conn);
                }
                catch (UsocketException)
                {
                    // The client went away or stalled: drop the connection, keep serving.
                }
            }
        }
    }

    private static void Answer(USocket conn)
    {
        conn.SetTimeout(10);
        while (true)
        {
            byte[]? line = conn.ReadLine();
            if (line is null || line.Length == 0)
            {
                return; // client closed
            }

            if (line.AsSpan().SequenceEqual("\r\n"u8) || line.AsSpan().SequenceEqual("\n"u8))
            {
                byte[] body = Encoding.UTF8.GetBytes(Page);
                string head = $"HTTP/1.1 200 OK\r\nServer: usock-example\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: keep-alive\r\n\r\n";
                conn.SendAll(Encoding.ASCII.GetBytes(head).Concat(body).ToArray());
            }
        }
    }
}
