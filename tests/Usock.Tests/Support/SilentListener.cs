using System.Net;
using System.Net.Sockets;

namespace Usock.Tests.Support;

/// <summary>
/// A loopback listener that never answers: its accept queue is full: the kernel drops further SYNs, so a connect to it stays in
/// SYN_SENT as one to a host that never answers would (without sending anything beyond loopback).
/// </summary>
public sealed class SilentListener : IDisposable
{
    private readonly USocket _listener;
    private readonly List<Socket> _fillers = [];

    public SilentListener(int af = USocket.AF_INET)
    {
        _listener = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        _listener.Bind((Loopback.Host(af), 0));
        _listener.Listen(0);
        Address = _listener.GetSockName();
        var ep = new IPEndPoint(IPAddress.Parse(Address.Host), Address.Port);
        for (int i = 0; i < 8; i++)
        {
            var f = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            _fillers.Add(f);
            try
            {
                f.Connect(ep);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
            }

            if (!f.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectWrite))
            {
                return; // this SYN was dropped: the queue is full
            }
        }

        Dispose();
        throw new InvalidOperationException("the accept queue never filled up");
    }

    public (string Host, int Port) Address { get; }

    public void Dispose()
    {
        _fillers.ForEach(f => f.Dispose());
        _listener.Close();
    }
}
