using System.Net;
using System.Net.Sockets;

namespace Usock.Benchmarks;

/// <summary>Connected loopback pairs made once per benchmark class: raw .NET sockets and Usock sockets.</summary>
internal static class Pairs
{
    public static (Socket Client, Socket Server) Raw()
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(1);
        var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        c.Connect(l.LocalEndPoint!);
        Socket s = l.Accept();
        s.NoDelay = true;
        return (c, s);
    }

    public static (USocket Client, USocket Server) Usock()
    {
        using var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER, UsocketProfile.Posix);
        l.Bind(("127.0.0.1", 0));
        l.Listen(1);
        var c = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, UsocketProfile.Posix);
        c.Connect(l.GetSockName());
        (USocket s, _, _) = l.Accept();
        return (c, s);
    }

    public static void ReceiveExactly(Socket s, Span<byte> buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            got += s.Receive(buffer[got..]);
        }
    }
}
