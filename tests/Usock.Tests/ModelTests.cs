using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// Issue 5, "3. Load and leaks", the property-based part: FsCheck generates random sequences of operations on a
/// connected TCP pair over loopback (sends and reads of every kind from either side, mode changes, SHUT_WR, Close),
/// and <see cref="PairModel"/> checks every call against a small model of what it must return or raise.
/// </summary>
/// <remarks>
/// <para>The model keeps, per direction, the bytes in flight (sent, not yet handed to the reader), whether the sender
/// has sent FIN, and per side the mode, SHUT_WR, Close, and the device profile's one-time 107 at end of stream. Each
/// read must return exactly what the model allows: the exact bytes for <c>Read(n)</c>, <c>ReadInto</c> and
/// <c>ReadLine</c>; a non-empty prefix of the bytes in flight for <c>Recv</c>, <c>RecvInto</c> and the stream's Read
/// (short reads are normal there); 11 EAGAIN or 110 ETIMEDOUT only when the model says nothing (or not enough) is
/// there; end of stream once the peer's FIN is reached and the queue is drained; 9 EBADF after Close.</para>
/// <para>Sensitivity, checked by breaking the library on purpose: dropping the bytes <c>Read(n)</c> buffered before a
/// timeout, returning a partial line from a non-blocking <c>ReadLine</c>, or leaving out the device profile's 107 at
/// end of stream each fail within a few dozen sequences, shrunk to 2-4 operations.</para>
/// <para>Determinism: after every send the harness waits until the receiving kernel has the bytes (TCP_INFO's
/// <c>tcpi_bytes_received</c>), and after every FIN until the receiver is past it (its TCP state), so "nothing is
/// there" means nothing will come. Waits the model predicts use a 2 ms timeout (a blocking socket is given one for
/// that call only), so no sequence can hang; a HangGuard closes both sockets if one does. Nagle is turned off on
/// both ends (a kernel option Usock leaves alone) so that a small send is not held for the peer's delayed ACK. Sends
/// stay within 16 KiB in flight per direction, far under the loopback buffers, so a send never waits either.</para>
/// <para>Not modelled (the sequence stops there): sending to a peer that has closed, which resets the connection
/// (the send itself must return or raise 32 / 104). Close of a side with unread data is skipped (it would reset too).</para>
/// <para>Run it alone with <c>dotnet test -- --filter-class Usock.Tests.ModelTests</c>.</para>
/// </remarks>
public class ModelTests
{
    [Property(MaxTest = 1500, Arbitrary = new[] { typeof(ScriptArbitrary) }, QuietOnSuccess = true)]
    public void QuecPythonProfile_RandomOperationSequences_MatchTheModel(Script script) => PairModel.Run(script, UsocketProfile.QuecPython);

    [Property(MaxTest = 1500, Arbitrary = new[] { typeof(ScriptArbitrary) }, QuietOnSuccess = true)]
    public void PosixProfile_RandomOperationSequences_MatchTheModel(Script script) => PairModel.Run(script, UsocketProfile.Posix);
}

/// <summary>Which end of the pair an operation runs on: A is the connecting client, B the accepted socket.</summary>
public enum Side
{
    A,
    B,
}

/// <summary>The operations the model knows.</summary>
public enum OpKind
{
    Send,
    SendAll,
    Write,
    FileWrite,
    SendEmpty,
    SendAllEmpty,
    WriteEmpty,
    Recv,
    RecvInto,
    Read,
    ReadAll,
    ReadInto,
    ReadLine,
    FileRead,
    Blocking,
    Timeout,
    NonBlocking,
    ShutWr,
    Close,
    Sta,
}

/// <summary>One operation: where, what, and a size (bytes to send or to read).</summary>
public readonly record struct Op(Side Side, OpKind Kind, int Size)
{
    public override string ToString() => Kind switch
    {
        OpKind.Send or OpKind.SendAll or OpKind.Write or OpKind.FileWrite or OpKind.Recv or OpKind.RecvInto
            or OpKind.Read or OpKind.ReadInto or OpKind.FileRead => $"{Side}.{Kind}({Size})",
        _ => $"{Side}.{Kind}",
    };
}

/// <summary>A generated sequence: the address family of the pair and the operations.</summary>
public sealed record Script(int Family, Op[] Ops)
{
    public override string ToString() =>
        $"{(Family == USocket.AF_INET ? "IPv4" : "IPv6")} [{string.Join(", ", Ops)}]";
}

/// <summary>FsCheck's generator and shrinker for <see cref="Script"/>.</summary>
public static class ScriptArbitrary
{
    // Weights: reads and sends dominate; closing is rare, since it ends most of what can happen next.
    private static readonly OpKind[] Kinds =
    [
        .. Enumerable.Repeat(OpKind.Send, 4), .. Enumerable.Repeat(OpKind.SendAll, 3), .. Enumerable.Repeat(OpKind.Write, 3),
        OpKind.FileWrite, OpKind.SendEmpty, OpKind.SendAllEmpty, OpKind.WriteEmpty,
        .. Enumerable.Repeat(OpKind.Recv, 4), .. Enumerable.Repeat(OpKind.RecvInto, 2), .. Enumerable.Repeat(OpKind.Read, 3),
        OpKind.ReadAll, .. Enumerable.Repeat(OpKind.ReadInto, 2), .. Enumerable.Repeat(OpKind.ReadLine, 3), OpKind.FileRead,
        .. Enumerable.Repeat(OpKind.Blocking, 2), .. Enumerable.Repeat(OpKind.Timeout, 2), .. Enumerable.Repeat(OpKind.NonBlocking, 2),
        OpKind.ShutWr, OpKind.Close, OpKind.Sta,
    ];

    private static readonly Gen<int> Sizes = Gen.Frequency(
        (1, Gen.Constant(0)),
        (3, Gen.Choose(1, 16)),
        (4, Gen.Choose(1, 512)),
        (2, Gen.Choose(513, 3000)));

    private static readonly Gen<Op> Ops =
        from side in Gen.Elements(Side.A, Side.B)
        from kind in Gen.Elements(Kinds)
        from size in Sizes
        select new Op(side, kind, size);

    public static Arbitrary<Script> Scripts() => Arb.From(
        Gen.Sized(n =>
            from length in Gen.Choose(1, 8 + (n / 3))
            from ops in Gen.ArrayOf(Ops, length)
            from family in Gen.Elements(USocket.AF_INET, USocket.AF_INET6)
            select new Script(family, ops)),
        Shrink);

    private static IEnumerable<Script> Shrink(Script s)
    {
        Op[] ops = s.Ops;
        if (ops.Length > 1)
        {
            yield return s with { Ops = ops[..(ops.Length / 2)] };
            yield return s with { Ops = ops[(ops.Length / 2)..] };
        }

        for (int i = ops.Length - 1; i >= 0 && ops.Length > 1; i--)
        {
            yield return s with { Ops = [.. ops[..i], .. ops[(i + 1)..]] };
        }
    }
}

/// <summary>Runs one <see cref="Script"/> on a real pair and checks each call against the model.</summary>
internal sealed class PairModel : IDisposable
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

    // ------------------------------------------------------------------ sends

    private void SendData(int index, Op op, End me, End peer)
    {
        int m = Math.Clamp(op.Size, 1, 4096);
        byte[] data = Payload(index, m);
        if (me.Closed)
        {
            Raises(Errno.EBADF, () => SendOnce(op.Kind, me, data));
            return;
        }

        if (me.ShutWr)
        {
            Raises(Errno.EPIPE, () => SendOnce(op.Kind, me, data));
            return;
        }

        if (peer.Closed)
        {
            // Data to a closed socket resets the connection: the call returns or raises 32 / 104, and the model stops.
            try
            {
                SendOnce(op.Kind, me, data);
            }
            catch (UsocketException e) when (e.Errno is Errno.EPIPE or Errno.ECONNRESET)
            {
            }

            _ended = true;
            return;
        }

        if (peer.InFlight.Count + m > MaxInFlight || peer.Segments >= MaxSegments)
        {
            return; // would fill the buffers: not modelled
        }

        int sent = SendOnce(op.Kind, me, data);
        if (op.Kind == OpKind.Send)
        {
            Assert.InRange(sent, 1, m);
        }
        else
        {
            Assert.Equal(m, sent);
        }

        peer.Deliver(data.AsSpan(0, sent));
        WaitReceived(peer);
    }

    private static int SendOnce(OpKind kind, End me, byte[] data)
    {
        switch (kind)
        {
            case OpKind.Send:
                return me.Sock.Send(data);
            case OpKind.SendAll:
                me.Sock.SendAll(data);
                return data.Length;
            case OpKind.Write:
                int? written = me.Sock.Write(data);
                Assert.NotNull(written);
                return written.Value;
            default:
                me.WriteFile.Write(data);
                return data.Length;
        }
    }

    private void SendNothing(OpKind kind, End me)
    {
        Action call = kind switch
        {
            OpKind.SendEmpty => () => Assert.Equal(0, me.Sock.Send(ReadOnlySpan<byte>.Empty)),
            OpKind.SendAllEmpty => () => me.Sock.SendAll(ReadOnlySpan<byte>.Empty),
            _ => () => Assert.Equal(0, me.Sock.Write(ReadOnlySpan<byte>.Empty)),
        };
        if (me.Closed)
        {
            Raises(Errno.EBADF, call);
        }
        else if (kind != OpKind.WriteEmpty && _profile == UsocketProfile.QuecPython)
        {
            // The firmware's send loop gives up on empty data: 11 when non-blocking, else 110. No state changes.
            Raises(me.Mode == Mode.NonBlocking ? Errno.EAGAIN : Errno.ETIMEDOUT, call);
        }
        else
        {
            call();
        }
    }

    // ------------------------------------------------------------------ reads

    private void ReadData(Op op, End me)
    {
        int n = op.Size;
        if (me.Closed)
        {
            Raises(Errno.EBADF, () => ReadOnce(op.Kind, me, n, out _));
            return;
        }

        int k = me.InFlight.Count;
        bool eof = me.FinIn;
        int newline = me.InFlight.IndexOf((byte)'\n');
        bool waits = !eof && op.Kind switch
        {
            OpKind.Recv or OpKind.RecvInto or OpKind.FileRead => n > 0 && k == 0,
            OpKind.Read or OpKind.ReadInto => n > 0 && k < n,
            OpKind.ReadAll => true,
            _ => newline < 0, // ReadLine
        };

        // A wait on a blocking socket would be forever: the model knows it, so the call gets a short timeout instead.
        Mode mode = me.Mode;
        bool lend = waits && mode == Mode.Blocking;
        if (lend)
        {
            me.Sock.SetTimeout(ShortWait);
            mode = Mode.Timeout;
        }

        try
        {
            ReadChecked(op.Kind, me, n, k, eof, newline, mode);
        }
        finally
        {
            if (lend)
            {
                me.Sock.SetBlocking(true);
            }
        }
    }

    private void ReadChecked(OpKind kind, End me, int n, int k, bool eof, int newline, Mode mode)
    {
        int wouldWait = mode == Mode.NonBlocking ? Errno.EAGAIN : Errno.ETIMEDOUT;
        switch (kind)
        {
            case OpKind.Recv or OpKind.RecvInto or OpKind.FileRead:
                if (n == 0)
                {
                    Assert.Equal(0, ReadOnce(kind, me, 0, out _));
                }
                else if (k > 0)
                {
                    int got = ReadOnce(kind, me, n, out byte[]? bytes);
                    Assert.InRange(got, 1, Math.Min(n, k)); // short reads are normal
                    me.Take(bytes!);
                }
                else if (eof && kind != OpKind.FileRead && _profile == UsocketProfile.QuecPython && !me.EofReported)
                {
                    Raises(Errno.ENOTCONN, () => ReadOnce(kind, me, n, out _)); // lwIP's first end of stream
                    me.EofReported = true;
                }
                else if (eof)
                {
                    Assert.Equal(0, ReadOnce(kind, me, n, out _));
                }
                else
                {
                    Raises(wouldWait, () => ReadOnce(kind, me, n, out _));
                }

                break;

            case OpKind.Read or OpKind.ReadInto or OpKind.ReadAll:
                int want = kind == OpKind.ReadAll ? int.MaxValue : n;
                if (want == 0)
                {
                    Assert.Equal(0, ReadOnce(kind, me, 0, out _));
                }
                else if (k >= want || eof)
                {
                    int count = Math.Min(want, k);
                    Assert.Equal(count, ReadOnce(kind, me, n, out byte[]? bytes));
                    me.Take(bytes!);
                }
                else if (mode == Mode.NonBlocking || (kind == OpKind.ReadInto && k > 0))
                {
                    // Non-blocking: what is there, or null. ReadInto also returns a short count when the timeout
                    // strikes after some bytes; Read keeps them buffered and raises 110 (below).
                    int got = ReadOnce(kind, me, n, out byte[]? bytes);
                    Assert.Equal(k == 0 ? -1 : k, got);
                    if (k > 0)
                    {
                        me.Take(bytes!);
                    }
                }
                else
                {
                    Raises(wouldWait, () => ReadOnce(kind, me, n, out _)); // nothing consumed
                }

                break;

            default: // ReadLine
                if (newline >= 0 || eof)
                {
                    int count = newline >= 0 ? newline + 1 : k;
                    Assert.Equal(count, ReadOnce(kind, me, n, out byte[]? line));
                    me.Take(line!);
                }
                else if (mode == Mode.NonBlocking)
                {
                    Assert.Equal(-1, ReadOnce(kind, me, n, out _)); // null: no complete line; the part stays buffered
                }
                else
                {
                    Raises(Errno.ETIMEDOUT, () => ReadOnce(kind, me, n, out _));
                }

                break;
        }
    }

    /// <summary>One read call; returns the count, or -1 for null. <paramref name="bytes"/> is what came back.</summary>
    private static int ReadOnce(OpKind kind, End me, int n, out byte[]? bytes)
    {
        byte[]? result;
        switch (kind)
        {
            case OpKind.Recv:
                result = me.Sock.Recv(n);
                break;
            case OpKind.Read:
                result = me.Sock.Read(n);
                break;
            case OpKind.ReadAll:
                result = me.Sock.Read();
                break;
            case OpKind.ReadLine:
                result = me.Sock.ReadLine();
                break;
            default:
                // Into caller memory: guard bytes after the span must stay untouched.
                byte[] buffer = new byte[n + 2];
                buffer.AsSpan().Fill(0xEE);
                int? got = kind switch
                {
                    OpKind.RecvInto => me.Sock.RecvInto(buffer.AsSpan(0, n)),
                    OpKind.ReadInto => me.Sock.ReadInto(buffer, n),
                    _ => me.ReadFile.Read(buffer.AsSpan(0, n)),
                };
                Assert.True(buffer[^2] == 0xEE && buffer[^1] == 0xEE, "a read wrote past the span it was given");
                bytes = got is null ? null : buffer[..got.Value];
                return got ?? -1;
        }

        bytes = result;
        return result?.Length ?? -1;
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

    /// <summary>One end: its socket, its streams, and the model's view of what it can read.</summary>
    private sealed class End(string name, USocket sock) : IDisposable
    {
        private readonly List<int> _segments = [];
        private Stream? _readFile;
        private Stream? _writeFile;

        public string Name { get; } = name;

        public USocket Sock { get; } = sock;

        public Stream ReadFile => _readFile ??= Sock.MakeFile("rb");

        public Stream WriteFile => _writeFile ??= Sock.MakeFile("wb");

        /// <summary>Bytes sent to this end that no read has returned yet (in its kernel or its read buffer).</summary>
        public List<byte> InFlight { get; } = [];

        public int Segments => _segments.Count;

        /// <summary>Every byte ever sent to this end.</summary>
        public long Delivered { get; private set; }

        /// <summary>The peer sent FIN: end of stream once <see cref="InFlight"/> is empty.</summary>
        public bool FinIn { get; set; }

        public bool ShutWr { get; set; }

        public bool Closed { get; set; }

        /// <summary>Device profile: Recv has raised its one 107 for end of stream.</summary>
        public bool EofReported { get; set; }

        public Mode Mode { get; set; } = Mode.Blocking;

        public void Deliver(ReadOnlySpan<byte> bytes)
        {
            InFlight.AddRange(bytes);
            _segments.Add(bytes.Length);
            Delivered += bytes.Length;
        }

        /// <summary>A read returned <paramref name="got"/>: it must be the front of the queue, which it leaves.</summary>
        public void Take(byte[] got)
        {
            Assert.True(got.Length <= InFlight.Count, $"{Name} read {got.Length} bytes, only {InFlight.Count} in flight");
            if (!InFlight.Take(got.Length).SequenceEqual(got))
            {
                Assert.Fail($"{Name} read bytes out of order or altered: got {Convert.ToHexString(got)}, expected {Convert.ToHexString(InFlight.Take(got.Length).ToArray())}");
            }

            InFlight.RemoveRange(0, got.Length);
            int left = got.Length;
            while (left > 0)
            {
                int first = Math.Min(left, _segments[0]);
                left -= first;
                _segments[0] -= first;
                if (_segments[0] == 0)
                {
                    _segments.RemoveAt(0);
                }
            }
        }

        public void Dispose()
        {
            _readFile?.Dispose();
            _writeFile?.Dispose();
        }

        public override string ToString()
        {
            var b = new StringBuilder(Name).Append(": ").Append(Mode).Append(", ").Append(InFlight.Count).Append(" in flight");
            if (FinIn)
            {
                b.Append(", FIN in");
            }

            if (ShutWr)
            {
                b.Append(", SHUT_WR");
            }

            if (Closed)
            {
                b.Append(", closed");
            }

            if (EofReported)
            {
                b.Append(", 107 reported");
            }

            return b.ToString();
        }
    }
}
