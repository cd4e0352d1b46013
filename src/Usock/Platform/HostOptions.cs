using System.Net.NetworkInformation;

namespace Usock.Platform;

/// <summary>
/// The host-specific socket options and state readers, in one place: SO_REUSEADDR without .NET's
/// extras, keepalive timing, and the kernel's TCP state.
/// </summary>
internal static class HostOptions
{
    /// <summary>
    /// Sets SO_REUSEADDR alone. .NET's <see cref="SocketOptionName.ReuseAddress"/> also sets SO_REUSEPORT on
    /// Unix, which would let a second listener share the port; the raw option keeps the native meaning.
    /// </summary>
    public static int SetReuseAddress(Socket s, bool on)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsAndroid())
        {
            return SocketPal.SetRawOption(s, 1, 2, on ? 1 : 0); // SOL_SOCKET, SO_REUSEADDR
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsFreeBSD())
        {
            return SocketPal.SetRawOption(s, 0xFFFF, 4, on ? 1 : 0);
        }

        return SocketPal.SetOption(s, SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, on ? 1 : 0);
    }

    /// <summary>The device's TCP_KEEPALIVE: keepalive on, idle <paramref name="minutes"/>·60 s, interval 25 s, 3 probes.</summary>
    public static int SetKeepAliveMinutes(Socket s, int minutes)
    {
        int e = SocketPal.SetOption(s, SocketOptionLevel.Socket, SocketOptionName.KeepAlive, 1);
        if (e == 0)
        {
            e = SocketPal.SetOption(s, SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, minutes * 60);
        }

        if (e == 0)
        {
            e = SocketPal.SetOption(s, SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 25);
        }

        if (e == 0)
        {
            e = SocketPal.SetOption(s, SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        }

        return e;
    }

    /// <summary>
    /// The kernel's TCP state in lwIP numbering. On Linux it is TCP_INFO's first byte (about a microsecond);
    /// a socket that moved on to TIME_WAIT reads CLOSE there, so the connection table is asked for that one
    /// case. Elsewhere the connection table alone answers, with LISTEN and CLOSED from the socket itself.
    /// </summary>
    public static TcpState ReadTcpState(Socket s, bool listening, IPEndPoint? local, IPEndPoint? remote)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsAndroid())
        {
            Span<byte> info = stackalloc byte[8];
            if (SocketPal.GetRawOption(s, 6, 11, info, out int length) == 0 && length > 0) // IPPROTO_TCP, TCP_INFO
            {
                TcpState state = FromLinux(info[0]);
                if (state != TcpState.Closed || local is null || remote is null || local.Port == 0)
                {
                    return state;
                }

                // Open but CLOSE: reset, or gone on to TIME_WAIT, which only the kernel's table still holds. Ask it
                // about this one connection (a hash lookup), not by reading the whole table.
                // Only TIME_WAIT is taken from it: for a connection that is gone, the kernel's lookup can fall back to
                // the listener on the same port, which says nothing about this socket.
                const int LinuxTimeWait = 6;
                return SockDiag.LinuxTcpState(local, remote) == LinuxTimeWait ? TcpState.TimeWait : TcpState.Closed;
            }
        }

        if (listening)
        {
            return TcpState.Listen;
        }

        return FromConnectionTable(local, remote);
    }

    internal static TcpState FromLinux(int linuxState) => linuxState switch
    {
        1 => TcpState.Established,
        2 => TcpState.SynSent,
        3 => TcpState.SynRcvd,
        4 => TcpState.FinWait1,
        5 => TcpState.FinWait2,
        6 => TcpState.TimeWait,
        8 => TcpState.CloseWait,
        9 => TcpState.LastAck,
        10 => TcpState.Listen,
        11 => TcpState.Closing,
        _ => TcpState.Closed, // 7 TCP_CLOSE, and anything newer than this table
    };

    private static TcpState FromConnectionTable(IPEndPoint? local, IPEndPoint? remote)
    {
        if (local is null || remote is null || local.Port == 0)
        {
            return TcpState.Closed;
        }

        try
        {
            foreach (TcpConnectionInformation c in IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections())
            {
                if (SameEndPoint(c.LocalEndPoint, local) && SameEndPoint(c.RemoteEndPoint, remote))
                {
                    return FromNetworkInformation(c.State);
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No table on this host: the socket's own view (closed) is all there is.
        }
        catch (PlatformNotSupportedException)
        {
        }

        return TcpState.Closed;
    }

    private static bool SameEndPoint(IPEndPoint a, IPEndPoint b)
    {
        if (a.Port != b.Port)
        {
            return false;
        }

        IPAddress x = a.Address.IsIPv4MappedToIPv6 ? a.Address.MapToIPv4() : a.Address;
        IPAddress y = b.Address.IsIPv4MappedToIPv6 ? b.Address.MapToIPv4() : b.Address;
        return x.Equals(y);
    }

    private static TcpState FromNetworkInformation(System.Net.NetworkInformation.TcpState state) => state switch
    {
        System.Net.NetworkInformation.TcpState.Listen => TcpState.Listen,
        System.Net.NetworkInformation.TcpState.SynSent => TcpState.SynSent,
        System.Net.NetworkInformation.TcpState.SynReceived => TcpState.SynRcvd,
        System.Net.NetworkInformation.TcpState.Established => TcpState.Established,
        System.Net.NetworkInformation.TcpState.FinWait1 => TcpState.FinWait1,
        System.Net.NetworkInformation.TcpState.FinWait2 => TcpState.FinWait2,
        System.Net.NetworkInformation.TcpState.CloseWait => TcpState.CloseWait,
        System.Net.NetworkInformation.TcpState.Closing => TcpState.Closing,
        System.Net.NetworkInformation.TcpState.LastAck => TcpState.LastAck,
        System.Net.NetworkInformation.TcpState.TimeWait => TcpState.TimeWait,
        _ => TcpState.Closed,
    };
}
