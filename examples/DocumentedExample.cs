// The usocket module documentation's example, in C# with Usock. The `usock example` command runs it
// (src/Usock.Cli links this file); read it beside the original Python, line for line.
//
//   sock = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
//   sockaddr = usocket.getaddrinfo('www.tongxinmao.com', 80)[0][-1]
//   sock.connect(sockaddr)
//   ret = sock.send('GET /News HTTP/1.1\r\nHost: ...\r\n\r\n')
//   socket_log.info('send %d bytes' % ret)
//   data = sock.recv(256)
//   socket_log.info('recv %s bytes:' % len(data))
//   socket_log.info(data.decode())
//   sock.close()
using System.Text;

namespace Usock.Examples;

/// <summary>The documented example: resolve, connect, send an HTTP GET, receive 256 bytes, close.</summary>
public static class DocumentedExample
{
    /// <summary>Runs the example against <paramref name="host"/>:<paramref name="port"/>, logging as the device does.</summary>
    /// <param name="host">Server name or address.</param>
    /// <param name="port">Server port.</param>
    /// <param name="hostHeader">The HTTP Host header (the documentation's www.tongxinmao.com).</param>
    /// <param name="timeout">Seconds any one call may wait; <c>null</c> blocks, as the device example does.</param>
    /// <param name="info">The <c>socket_log.info</c> of the example.</param>
    /// <param name="step">Told the module's name of each socket call before it is made (<c>socket</c>,
    /// <c>getaddrinfo</c>, <c>connect</c>, <c>send</c>, <c>recv</c>, <c>close</c>), so a failure can name it.</param>
    /// <exception cref="UsocketException">A socket call failed.</exception>
    public static void Run(string host, int port, string hostHeader, double? timeout, Action<string> info, Action<string>? step = null)
    {
        step?.Invoke("socket");
        using var sock = new USocket(USocket.AF_INET, USocket.SOCK_STREAM);
        sock.SetTimeout(timeout);
        step?.Invoke("getaddrinfo");
        var sockaddr = USocket.GetAddrInfo(host, port)[0].SockAddr;
        step?.Invoke("connect");
        sock.Connect(sockaddr);
        step?.Invoke("send");
        int ret = sock.Send($"GET /News HTTP/1.1\r\nHost: {hostHeader}\r\nAccept-Encoding: deflate\r\nConnection: keep-alive\r\n\r\n");
        info($"send {ret} bytes");
        step?.Invoke("recv");
        byte[] data = sock.Recv(256);
        info($"recv {data.Length} bytes:");
        info(Encoding.UTF8.GetString(data));
        step?.Invoke("close");
        sock.Close();
    }
}
