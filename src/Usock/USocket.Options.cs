using Microsoft.Extensions.Logging;

namespace Usock;

public sealed partial class USocket
{
    private static readonly Action<ILogger, int, int, Exception?> LogUnknownOption = LoggerMessage.Define<int, int>(
        LogLevel.Warning, new EventId(1, "UnknownSocketOption"),
        "Warning: setsockopt() option {OptName} (level {Level}) not implemented; ignored as the device does");

    /// <summary>Sets a socket option, as the module's <c>setsockopt(level, optname, value)</c>.</summary>
    /// <param name="level">Ignored for the documented options, as the firmware ignores it.</param>
    /// <param name="optname"><see cref="SO_REUSEADDR"/> or <see cref="TCP_KEEPALIVE"/>.</param>
    /// <param name="value">SO_REUSEADDR: non-zero to allow reuse. TCP_KEEPALIVE: minutes, 1..120.</param>
    /// <remarks>
    /// <para>SO_REUSEADDR has the native meaning: a listener may bind over connections in TIME_WAIT, never over
    /// another listener (.NET's own ReuseAddress would also set SO_REUSEPORT; Usock does not).</para>
    /// <para>TCP_KEEPALIVE v: keepalive on, first probe after v·60 s idle, then every 25 s, 3 probes (the
    /// firmware's numbers). The firmware does not range-check v; Usock does. On a non-TCP socket the device
    /// ignores it, the POSIX profile raises 92.</para>
    /// <para><see cref="IPV6_V6ONLY"/> at level <see cref="IPPROTO_IPV6"/> (an extension): 1 makes an
    /// <see cref="AF_INET6"/> socket IPv6-only, 0 dual-stack (the default); set it before binding. 22 EINVAL on an
    /// <see cref="AF_INET"/> socket.</para>
    /// <para>Any other option: the device profile logs a warning to <see cref="Logger"/> and does nothing, as the
    /// firmware prints one; the POSIX profile raises 92 ENOPROTOOPT.</para>
    /// </remarks>
    /// <exception cref="UsocketException">22 EINVAL for a keepalive outside 1..120; 92 ENOPROTOOPT (POSIX profile);
    /// 9 EBADF when closed.</exception>
    public void SetSockOpt(int level, int optname, int value)
    {
        Live();
        int e;
        if (level == IPPROTO_IPV6 && optname == IPV6_V6ONLY)
        {
            SetV6Only(value != 0);
            return;
        }

        switch (optname)
        {
            case SO_REUSEADDR:
                e = _core.With(s => HostOptions.SetReuseAddress(s, value != 0));
                if (e != 0)
                {
                    throw Error(e);
                }

                _core.ReuseAddress = value != 0;
                return;

            case TCP_KEEPALIVE:
                if (value is < 1 or > 120)
                {
                    throw Error(Errno.EINVAL, $"TCP_KEEPALIVE takes 1..120 minutes, not {value}");
                }

                if (!_core.IsStream)
                {
                    UnknownOption(level, optname);
                    return;
                }

                e = _core.With(s => HostOptions.SetKeepAliveMinutes(s, value));
                if (e != 0)
                {
                    throw Error(e);
                }

                _core.KeepAliveMinutes = value;
                return;

            default:
                UnknownOption(level, optname);
                return;
        }
    }

    /// <summary>Sets a socket option from bytes, as the module accepts a bytes-like value.</summary>
    /// <param name="level">As in <see cref="SetSockOpt(int, int, int)"/>.</param>
    /// <param name="optname">As in <see cref="SetSockOpt(int, int, int)"/>.</param>
    /// <param name="value">For the documented options, a 4-byte native integer.</param>
    /// <exception cref="ArgumentException">A documented option's value is not 4 bytes long.</exception>
    /// <exception cref="UsocketException">As in <see cref="SetSockOpt(int, int, int)"/>.</exception>
    public void SetSockOpt(int level, int optname, ReadOnlySpan<byte> value)
    {
        Live();
        if (optname is SO_REUSEADDR or TCP_KEEPALIVE || (level == IPPROTO_IPV6 && optname == IPV6_V6ONLY))
        {
            if (value.Length != sizeof(int))
            {
                throw new ArgumentException($"Option {optname} takes a 4-byte integer, not {value.Length} bytes.", nameof(value));
            }

            SetSockOpt(level, optname, BitConverter.ToInt32(value));
            return;
        }

        UnknownOption(level, optname);
    }

    /// <summary>Sets blocking or non-blocking mode, as the module's <c>setblocking(flag)</c>.</summary>
    /// <param name="flag"><c>true</c> is <c>SetTimeout(null)</c>; <c>false</c> is <c>SetTimeout(0)</c>.</param>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public void SetBlocking(bool flag) => SetTimeout(flag ? null : 0);

    /// <summary>Sets the timeout of every blocking call, as the module's <c>settimeout(value)</c>.</summary>
    /// <param name="seconds"><c>null</c>: block forever. 0: non-blocking (a call that would wait raises 11 EAGAIN,
    /// and the stream methods return <c>null</c>). Positive: a call that waits longer raises 110 ETIMEDOUT; the socket
    /// stays usable. Each call has one deadline, however many waits it makes.</param>
    /// <remarks>The firmware polls in 100 ms steps and honours connect timeouts only between 1 and 25 s; Usock
    /// waits exactly, to the millisecond.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seconds"/> is negative, NaN, infinite, or
    /// above <see cref="int.MaxValue"/> seconds.</exception>
    /// <exception cref="UsocketException">9 EBADF when closed.</exception>
    public void SetTimeout(double? seconds)
    {
        Live();
        long ms = -1;
        if (seconds is double v)
        {
            if (double.IsNaN(v) || v < 0 || v > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(seconds), v, "A timeout is null (block), 0 (non-blocking) or a finite number of seconds > 0.");
            }

            ms = v == 0 ? 0 : Math.Max(1, (long)Math.Ceiling(v * 1000));
        }

        int e = _core.SetTimeout(ms);
        if (e != 0)
        {
            throw Error(e);
        }
    }

    /// <summary>The timeout in seconds: <c>null</c> when blocking, 0 when non-blocking. An extension (CPython's <c>gettimeout()</c>).</summary>
    /// <remarks>A call keeps the deadline it started with: a timeout set while a call waits applies from the next call.</remarks>
    public double? Timeout => _core.TimeoutMs < 0 ? null : _core.TimeoutMs / 1000.0;

    /// <summary>The TCP state of the socket, as the module's <c>getsocketsta()</c>, in lwIP's numbering (<see cref="TcpState"/>).</summary>
    /// <returns>0..10 as in <see cref="TcpState"/>; -1 after <see cref="Close"/>; 0 for a socket that is not TCP.</returns>
    /// <remarks>Read from the kernel, not guessed from the calls made: TCP_INFO on Linux (about a microsecond),
    /// with the connection table for TIME_WAIT, which TCP_INFO reports as CLOSE while the socket is open. On other
    /// hosts the connection table answers (LISTEN and CLOSED from the socket itself).</remarks>
    public int GetSocketSta()
    {
        if (_core.IsClosed)
        {
            return -1;
        }

        if (!_core.IsStream)
        {
            return 0;
        }

        ObservePendingConnect();
        if (_core.Local is null && _core.State == ConnectState.Connected)
        {
            RememberEnds();
        }

        if (!_core.TryEnter(out Socket s))
        {
            return -1;
        }

        try
        {
            return (int)HostOptions.ReadTcpState(s, _core.State == ConnectState.Listening, _core.Local, _core.Remote);
        }
        finally
        {
            _core.Exit();
        }
    }

    // IPV6_V6ONLY: dual-stack is the default; a program may make an IPv6 socket IPv6-only before binding it.
    private void SetV6Only(bool on)
    {
        if (_core.Family != AddressFamily.InterNetworkV6)
        {
            throw Error(Errno.EINVAL, "IPV6_V6ONLY is an option of AF_INET6 sockets");
        }

        int e = _core.With(s => SocketPal.SetOption(s, SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, on ? 1 : 0));
        if (e != 0)
        {
            throw Error(e);
        }

        _core.V6Only = on;
    }

    private void UnknownOption(int level, int optname)
    {
        if (Profile == UsocketProfile.Posix)
        {
            throw Error(Errno.ENOPROTOOPT, $"option {optname} at level {level}");
        }

        LogUnknownOption(Logger, optname, level, null);
    }
}
