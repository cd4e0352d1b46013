using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

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
