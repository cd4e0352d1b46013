using System.Buffers.Binary;
using System.Diagnostics;

namespace Usock.Tests;

/// <summary>Runs one <see cref="Script"/> on a real pair and checks each call against the model.</summary>
internal sealed partial class PairModel : IDisposable
{
    /// <summary>The timeout of Timeout mode, and of a wait the model predicts on a blocking socket.</summary>
    private const double ShortWait = 0.002;

    /// <summary>The most bytes in flight per direction, and sends not yet read: far under the loopback buffers.</summary>
    private const int MaxInFlight = 16 * 1024;
    private const int MaxSegments = 48;

    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BarrierLimit = TimeSpan.FromSeconds(4);

    private readonly UsocketProfile _profile;
    private readonly Pair _pair;
    private readonly End _a;
    private readonly End _b;
    private bool _ended;

    private PairModel(int family, UsocketProfile profile)
    {
        _profile = profile;
        _pair = Loopback.Connected(family, profile);
        _a = new End("A", _pair.Client);
        _b = new End("B", _pair.Server);

        // Nagle would hold a small send until the peer's delayed ACK (40 ms): the barrier after each send would wait
        // for it. A kernel option Usock leaves alone; what the calls return does not depend on it.
        _pair.Client.RawSocket!.NoDelay = true;
        _pair.Server.RawSocket!.NoDelay = true;
    }

    private enum Mode
    {
        Blocking,
        Timeout,
        NonBlocking,
    }

    public static void Run(Script script, UsocketProfile profile)
    {
        using var model = new PairModel(script.Family, profile);
        using var guard = HangGuard.For(model._pair, HangLimit.TotalSeconds);
        for (int i = 0; i < script.Ops.Length && !model._ended; i++)
        {
            Op op = script.Ops[i];
            var sw = Stopwatch.StartNew();
            try
            {
                model.Step(i, op);
            }
            catch (Exception e)
            {
                string hung = sw.Elapsed >= HangLimit ? " (the call hung: the HangGuard closed the sockets)" : "";
                Assert.Fail($"step {i} {op} ({profile}), after {sw.Elapsed.TotalMilliseconds:F0} ms{hung}: {e.GetType().Name}: {e.Message}\n  model: {model.Describe()}\n  script: {script}\n{e.StackTrace}");
            }

            Assert.True(sw.Elapsed < StepLimit, $"step {i} {op} took {sw.Elapsed.TotalMilliseconds:F0} ms");
        }
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _pair.Dispose();
    }

    private string Describe() => $"{_a} | {_b}";

    private void Step(int index, Op op)
    {
        End me = op.Side == Side.A ? _a : _b;
        End peer = op.Side == Side.A ? _b : _a;
        switch (op.Kind)
        {
            case OpKind.Send or OpKind.SendAll or OpKind.Write or OpKind.FileWrite:
                SendData(index, op, me, peer);
                break;
            case OpKind.SendEmpty or OpKind.SendAllEmpty or OpKind.WriteEmpty:
                SendNothing(op.Kind, me);
                break;
            case OpKind.Blocking or OpKind.Timeout or OpKind.NonBlocking:
                SetMode(op, me);
                break;
            case OpKind.ShutWr:
                ShutWr(me, peer);
                break;
            case OpKind.Close:
                Close(me, peer);
                break;
            case OpKind.Sta:
                Sta(me);
                break;
            default:
                ReadData(op, me);
                break;
        }
    }

    // ------------------------------------------------------------------ modes, shutdown, close, state

    private static void SetMode(Op op, End me)
    {
        bool viaTimeout = op.Size % 2 == 1; // the two spellings of each mode
        Action call = op.Kind switch
        {
            OpKind.Blocking => viaTimeout ? () => me.Sock.SetTimeout(null) : () => me.Sock.SetBlocking(true),
            OpKind.NonBlocking => viaTimeout ? () => me.Sock.SetTimeout(0) : () => me.Sock.SetBlocking(false),
            _ => () => me.Sock.SetTimeout(ShortWait),
        };
        if (me.Closed)
        {
            Raises(Errno.EBADF, call);
            return;
        }

        call();
        me.Mode = op.Kind switch
        {
            OpKind.Blocking => Mode.Blocking,
            OpKind.NonBlocking => Mode.NonBlocking,
            _ => Mode.Timeout,
        };
        double? timeout = me.Mode switch
        {
            Mode.Blocking => null,
            Mode.NonBlocking => 0.0,
            _ => ShortWait,
        };
        Assert.Equal(timeout, me.Sock.Timeout);
    }

    private static void ShutWr(End me, End peer)
    {
        if (me.Closed)
        {
            Raises(Errno.EBADF, () => me.Sock.Shutdown(USocket.SHUT_WR));
            return;
        }

        if (me.ShutWr && me.FinIn)
        {
            // Both FINs are through: the kernel may have closed the connection already (107) or not yet.
            try
            {
                me.Sock.Shutdown(USocket.SHUT_WR);
            }
            catch (UsocketException e) when (e.Errno == Errno.ENOTCONN)
            {
            }
        }
        else
        {
            me.Sock.Shutdown(USocket.SHUT_WR);
        }

        me.ShutWr = true;
        SendFin(peer);
    }

    private static void Close(End me, End peer)
    {
        if (me.InFlight.Count > 0)
        {
            return; // closing with unread data resets the connection: not modelled
        }

        me.Sock.Close(); // idempotent: no exception, even the second time
        Assert.True(me.Sock.IsClosed);
        Assert.Equal(-1, me.Sock.GetSocketSta());
        if (!me.Closed)
        {
            me.Closed = true;
            SendFin(peer);
        }
    }

    private static void SendFin(End peer)
    {
        if (!peer.FinIn)
        {
            peer.FinIn = true;
            if (!peer.Closed)
            {
                WaitFin(peer);
            }
        }
    }

    private static void Sta(End me)
    {
        int sta = me.Sock.GetSocketSta();
        if (me.Closed)
        {
            Assert.Equal(-1, sta);
            return;
        }

        TcpState[] allowed = (me.ShutWr, me.FinIn) switch
        {
            (false, false) => [TcpState.Established],
            (false, true) => [TcpState.CloseWait],
            (true, false) => [TcpState.FinWait1, TcpState.FinWait2],
            _ => [TcpState.Closed, TcpState.Closing, TcpState.LastAck, TcpState.TimeWait],
        };
        Assert.Contains((TcpState)sta, allowed);
    }

    // ------------------------------------------------------------------ barriers and helpers

    /// <summary>Waits until the receiving kernel holds every byte sent to <paramref name="to"/> (TCP_INFO bytes_received).</summary>
    private static void WaitReceived(End to)
    {
        const int BytesReceived = 128; // offsetof(struct tcp_info, tcpi_bytes_received), Linux 4.1+
        Span<byte> info = stackalloc byte[256];
        var sw = Stopwatch.StartNew();
        while (true)
        {
            int length = to.Sock.RawSocket!.GetRawSocketOption(6, 11, info);
            Assert.True(length >= BytesReceived + 8, "TCP_INFO has no tcpi_bytes_received");
            if ((long)BinaryPrimitives.ReadUInt64LittleEndian(info[BytesReceived..]) >= to.Delivered)
            {
                return;
            }

            Assert.True(sw.Elapsed < BarrierLimit, $"{to.Delivered} bytes never reached {to.Name}'s kernel");
            Thread.Sleep(sw.ElapsedMilliseconds < 2 ? 0 : 1);
        }
    }

    /// <summary>Waits until <paramref name="to"/>'s kernel has taken the peer's FIN (Linux TCP_INFO state past it).</summary>
    private static void WaitFin(End to)
    {
        Span<byte> info = stackalloc byte[8];
        var sw = Stopwatch.StartNew();
        while (true)
        {
            to.Sock.RawSocket!.GetRawSocketOption(6, 11, info);
            if (info[0] is 6 or 7 or 8 or 9 or 11) // TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, CLOSING
            {
                return;
            }

            Assert.True(sw.Elapsed < BarrierLimit, $"the FIN never reached {to.Name} (state {info[0]})");
            Thread.Sleep(sw.ElapsedMilliseconds < 2 ? 0 : 1);
        }
    }

    private static void Raises(int errno, Action call)
    {
        var e = Assert.Throws<UsocketException>(call);
        Assert.Equal(errno, e.Errno);
    }

    /// <summary>Bytes for a send: a few <c>\n</c> among them, so ReadLine finds lines of every length.</summary>
    private static byte[] Payload(int index, int size)
    {
        var random = new Random((index * 7919) + size);
        byte[] data = new byte[size];
        random.NextBytes(data);
        for (int i = 0; i < size; i++)
        {
            if (data[i] == (byte)'\n' || random.Next(16) == 0)
            {
                data[i] = data[i] == (byte)'\n' ? (byte)'.' : (byte)'\n';
            }
        }

        return data;
    }
}
