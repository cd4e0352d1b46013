using System.Net;
using System.Runtime.CompilerServices;

namespace Usock.Python.Network;

/// <summary>The program's datagram sockets: each is relayed (<see cref="DatagramRelay"/>) from its bind, connect or first send.</summary>
internal sealed partial class DeviceNetwork
{
    private readonly ConditionalWeakTable<USocket, DatagramRelay> _datagramRelays = [];

    /// <summary>The relay of a datagram socket, or null before its bind, connect or first send.</summary>
    public DatagramRelay? RelayOf(USocket socket) => _datagramRelays.TryGetValue(socket, out DatagramRelay? r) ? r : null;

    /// <summary><c>bind</c> of a datagram socket: the relay takes the address the program asked for.</summary>
    public void BindDatagram(USocket socket, (string Host, int Port) address) => Relay(socket, address);

    /// <summary><c>connect</c> of a datagram socket: -202 while lookups fail; its <c>send</c> goes to the peer, and only
    /// the peer's datagrams reach it; <c>getpeername</c> reports the peer.</summary>
    public void ConnectDatagram(USocket socket, string host, (string Host, int Port) mapped)
    {
        CheckLookup(host);
        IPEndPoint peer = Resolve(mapped);
        Relay(socket, null).Peer = peer;
        _peers.AddOrUpdate(socket, new Address(mapped.Host, mapped.Port));
    }

    /// <summary><c>sendto</c>: -202 while lookups of <paramref name="host"/> fail; else the datagram meets the network.</summary>
    public int SendDatagram(USocket socket, ReadOnlySpan<byte> data, string host, (string Host, int Port) mapped)
    {
        CheckLookup(host);
        Relay(socket, null).Up(data, Resolve(mapped));
        return data.Length;
    }

    /// <summary><c>send</c> on a connected datagram socket, as <see cref="SendDatagram"/>; false if it has no peer.</summary>
    public bool SendToPeer(USocket socket, ReadOnlySpan<byte> data)
    {
        if (RelayOf(socket) is not { Peer: { } peer } relay)
        {
            return false;
        }

        relay.Up(data, peer);
        return true;
    }

    private DatagramRelay Relay(USocket socket, (string Host, int Port)? bindTo)
    {
        lock (_datagramRelays)
        {
            if (RelayOf(socket) is { } r)
            {
                return bindTo is null ? r : throw new UsocketException(Errno.EINVAL); // bound already
            }

            r = DatagramRelay.Create(this, Interlocked.Increment(ref _nextConn), socket, bindTo);
            _datagramRelays.AddOrUpdate(socket, r);
            return r;
        }
    }

    private static IPEndPoint Resolve((string Host, int Port) mapped) =>
        new(IPAddress.TryParse(mapped.Host, out IPAddress? ip) ? ip : IPAddress.Parse(USocket.GetAddrInfo(mapped.Host, mapped.Port)[0].SockAddr.Host), mapped.Port);
}
