using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Usock.Platform;

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
    /// <para>Any other option: the device profile logs a warning to <see cref="Logger"/> and does nothing, as the
    /// firmware prints one; the POSIX profile raises 92 ENOPROTOOPT.</para>
    /// </remarks>
    /// <exception cref="UsocketException">22 EINVAL for a keepalive outside 1..120; 92 ENOPROTOOPT (POSIX profile);
    /// 9 EBADF when closed.</exception>
    public void SetSockOpt(int level, int optname, int value)
    {
        Socket s = Live();
        int e;
        switch (optname)
        {
            case SO_REUSEADDR:
                e = HostOptions.SetReuseAddress(s, value != 0);
                if (e != 0)
                {
                    throw Error(e);
                }

                _reuseAddress = value != 0;
                return;

            case TCP_KEEPALIVE:
                if (value is < 1 or > 120)
                {
                    throw Error(Errno.EINVAL, $"TCP_KEEPALIVE takes 1..120 minutes, not {value}");
                }

                if (_socketType != SocketType.Stream)
                {
                    UnknownOption(level, optname);
                    return;
                }

                e = HostOptions.SetKeepAliveMinutes(s, value);
                if (e != 0)
                {
                    throw Error(e);
                }

                _keepAliveMinutes = value;
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
        if (optname is SO_REUSEADDR or TCP_KEEPALIVE)
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
        Socket s = Live();
        long ms = -1;
        if (seconds is double v)
        {
            if (double.IsNaN(v) || v < 0 || v > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(seconds), v, "A timeout is null (block), 0 (non-blocking) or a finite number of seconds > 0.");
            }

            ms = v == 0 ? 0 : Math.Max(1, (long)Math.Ceiling(v * 1000));
        }

        int e = SocketPal.SetBlocking(s, ms < 0);
        if (e != 0)
        {
            throw Error(e);
        }

        _timeoutMs = ms;
    }

    /// <summary>The timeout in seconds: <c>null</c> when blocking, 0 when non-blocking. An extension (CPython's <c>gettimeout()</c>).</summary>
    public double? Timeout => _timeoutMs < 0 ? null : _timeoutMs / 1000.0;

    /// <summary>The TCP state of the socket, as the module's <c>getsocketsta()</c>, in lwIP's numbering (<see cref="TcpState"/>).</summary>
    /// <returns>0..10 as in <see cref="TcpState"/>; -1 after <see cref="Close"/>; 0 for a socket that is not TCP.</returns>
    /// <remarks>Read from the kernel, not guessed from the calls made: TCP_INFO on Linux (about a microsecond),
    /// with the connection table for TIME_WAIT, which TCP_INFO reports as CLOSE while the socket is open. On other
    /// hosts the connection table answers (LISTEN and CLOSED from the socket itself).</remarks>
    public int GetSocketSta()
    {
        Socket? s = _sock;
        if (s is null || _closed)
        {
            return -1;
        }

        if (_socketType != SocketType.Stream)
        {
            return 0;
        }

        ObservePendingConnect(s);
        if (_local is null && _connected)
        {
            RememberEnds(s);
        }

        return (int)HostOptions.ReadTcpState(s, _listening, _local, _remote);
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
