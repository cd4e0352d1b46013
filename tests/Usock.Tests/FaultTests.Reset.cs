using System.Net.Sockets;

namespace Usock.Tests;

// A reset by the peer: before the call, while it waits, under the async members, in the middle of a transfer.
public partial class FaultTests
{
    // ---------------------------------------------------------------- reset mid-stream

    // The peer sends "abc" and resets (SO_LINGER {on, 0}); the reset has arrived before the call. Reads return
    // the bytes that came before the reset, then raise 104 (or, for Read/ReadLine, raise 104 and keep the bytes
    // buffered for the next call); sends raise 104. Nothing that arrived is lost, nothing reads as a clean end
    // of stream, in both profiles.
    [Theory]
    [MemberData(nameof(CallsAfterReset))]
    public void ResetBeforeTheCall_RaisesEconnreset_AndKeepsWhatArrived(string call, UsocketProfile profile)
    {
        Fds.AssertNoLeak($"reset seen by {call}", Repeats, () =>
        {
            (USocket us, Socket peer) = RawPeer(profile);
            using (us)
            using (peer)
            using (new HangGuard(Loopback.Patience, us))
            {
                SendPartial(us, peer);
                Reset(peer);
                Assert.True(Loopback.Eventually(() => us.GetSocketSta() == (int)TcpState.Closed), "the reset never arrived");
                AfterReset(us, call);
            }
        });
    }

    // The call is already waiting (for data, or for room to send) when the peer resets: it wakes with 104. Data
    // that arrived first comes back (ReadInto: as a short count, the reset raised by the next call) or stays
    // buffered (Read, ReadLine).
    [Theory]
    [MemberData(nameof(CallsBlockedByReset))]
    public void ResetWhileTheCallWaits_WakesItWithEconnreset(string call, UsocketProfile profile)
    {
        Fds.AssertNoLeak($"reset while {call} waits", 2, () =>
        {
            (USocket us, Socket peer) = RawPeer(profile);
            using (us)
            using (peer)
            using (new HangGuard(Loopback.Patience, us))
            {
                us.SetTimeout(Loopback.Patience);
                bool sending = call is "Send" or "SendAll" or "Write";
                if (sending)
                {
                    Buffers.Fill(us, peer);
                }
                else if (call != "Recv" && call != "RecvInto")
                {
                    peer.Send(Partial);
                    Wire.WaitAvailable(us, Partial.Length);
                }

                var buffer = new byte[100];
                var big = new byte[4 * 1024 * 1024];
                Task<(int Errno, int Count)> waiting = Task.Run(() =>
                {
                    try
                    {
                        int count = call switch
                        {
                            "Recv" => us.Recv(100).Length,
                            "RecvInto" => us.RecvInto(buffer),
                            "Read" => us.Read(100)!.Length,
                            "ReadLine" => us.ReadLine()!.Length,
                            "ReadInto" => us.ReadInto(buffer) ?? -1,
                            "Send" => us.Send(big),
                            "SendAll" => Run(() => us.SendAll(big)),
                            _ => us.Write(big) ?? -1,
                        };
                        return (0, count);
                    }
                    catch (UsocketException e)
                    {
                        return (e.Errno, 0);
                    }
                });

                Thread.Sleep(100); // the call is waiting by now (a late reset would only make this a "before" case)
                Reset(peer);
                Assert.True(waiting.Wait(TimeSpan.FromSeconds(Loopback.Patience)), $"{call} did not wake up");
                (int errno, int count) = waiting.Result;

                switch (call)
                {
                    case "ReadInto":
                        Assert.Equal((0, Partial.Length), (errno, count));
                        Assert.Equal(Partial, buffer.AsSpan(0, count).ToArray());
                        Loopback.Raises(Errno.ECONNRESET, () => us.ReadInto(buffer));
                        break;
                    case "Write":
                        // Part of the 4 MiB went out before the reset (Write reports it), or none did (104).
                        Assert.True(errno == Errno.ECONNRESET || (errno == 0 && count > 0 && count < big.Length), $"Write: errno {errno}, count {count}");
                        Assert.Contains(Catch(() => us.Write(big)), new[] { Errno.ECONNRESET, Errno.EPIPE });
                        break;
                    default:
                        Assert.Equal(Errno.ECONNRESET, errno);
                        if (call is "Read" or "ReadLine")
                        {
                            Wire.Equal(Partial, us.Read(Partial.Length)); // kept buffered
                        }

                        break;
                }

                Assert.Contains(Catch(() => us.Send("x")), new[] { Errno.ECONNRESET, Errno.EPIPE });
            }
        });
    }

    // The async members see a reset as their sync twins do: RecvAsync and ReadIntoAsync return "abc" first and
    // raise 104 next, ReadLineAsync raises 104 and keeps "abc" buffered, sends raise 104. ReadIntoAsyncWaiting:
    // the reset comes while ReadIntoAsync waits for more than "abc".
    [Theory]
    [MemberData(nameof(AsyncCallsAfterReset))]
    public async Task ResetAndTheAsyncMembers_RaiseEconnreset_AndKeepWhatArrived(string call, UsocketProfile profile)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await Fds.AssertNoLeakAsync($"reset seen by {call}", Repeats, async () =>
        {
            (USocket us, Socket peer) = RawPeer(profile);
            using (us)
            using (peer)
            using (new HangGuard(Loopback.Patience, us))
            {
                SendPartial(us, peer);
                var buffer = new byte[100];
                if (call == "ReadIntoAsyncWaiting")
                {
                    ValueTask<int?> waiting = us.ReadIntoAsync(buffer, -1, ct);
                    await Task.Delay(100, ct);
                    Reset(peer);
                    Assert.Equal(Partial.Length, await waiting);
                    Assert.Equal(Partial, buffer.AsSpan(0, Partial.Length).ToArray());
                    await RaisesAsync(Errno.ECONNRESET, () => us.ReadIntoAsync(buffer, -1, ct).AsTask());
                    return;
                }

                Reset(peer);
                Assert.True(Loopback.Eventually(() => us.GetSocketSta() == (int)TcpState.Closed), "the reset never arrived");
                switch (call)
                {
                    case "RecvAsync":
                        Assert.Equal(Partial, await us.RecvAsync(100, ct));
                        await RaisesAsync(Errno.ECONNRESET, () => us.RecvAsync(100, ct).AsTask());
                        break;
                    case "ReadIntoAsync":
                        Assert.Equal(Partial.Length, await us.ReadIntoAsync(buffer, -1, ct));
                        await RaisesAsync(Errno.ECONNRESET, () => us.ReadIntoAsync(buffer, -1, ct).AsTask());
                        break;
                    case "ReadLineAsync":
                        await RaisesAsync(Errno.ECONNRESET, () => us.ReadLineAsync(ct).AsTask());
                        Wire.Equal(Partial, us.Read(Partial.Length));
                        break;
                    case "SendAsync":
                        await RaisesAsync(Errno.ECONNRESET, () => us.SendAsync("x"u8.ToArray(), ct).AsTask());
                        break;
                    default:
                        await RaisesAsync(Errno.ECONNRESET, () => us.SendAllAsync("x"u8.ToArray(), ct).AsTask());
                        break;
                }
            }
        });
    }

    // A reset while a long transfer runs: every byte the receiver got is a prefix of what was sent.
    [Theory]
    [MemberData(nameof(Loopback.Profiles), MemberType = typeof(Loopback))]
    public void ResetInTheMiddleOfATransfer_WhatArrivedIsAnExactPrefix(UsocketProfile profile)
    {
        Fds.AssertNoLeak("reset mid-transfer", 3, () =>
        {
            (USocket us, Socket peer) = RawPeer(profile);
            using (us)
            using (peer)
            using (new HangGuard(Loopback.Patience, us))
            {
                us.SetTimeout(Loopback.Patience);
                byte[] data = Wire.Seq(8 * 1024 * 1024, start: 7);
                Task sender = Task.Run(() =>
                {
                    try
                    {
                        int sent = 0;
                        while (sent < data.Length)
                        {
                            sent += peer.Send(data, sent, Math.Min(256 * 1024, data.Length - sent), SocketFlags.None);
                            if (sent >= data.Length / 3)
                            {
                                Reset(peer);
                                return;
                            }
                        }
                    }
                    catch (SocketException)
                    {
                    }
                });

                using var got = new MemoryStream();
                var buffer = new byte[64 * 1024];
                int errno = 0;
                while (errno == 0)
                {
                    try
                    {
                        int n = us.RecvInto(buffer);
                        if (n == 0)
                        {
                            break;
                        }

                        got.Write(buffer, 0, n);
                    }
                    catch (UsocketException e)
                    {
                        errno = e.Errno;
                    }
                }

                Assert.True(sender.Wait(TimeSpan.FromSeconds(Loopback.Patience)));
                Assert.Equal(Errno.ECONNRESET, errno);
                Assert.True(got.Length < data.Length);
                Assert.True(data.AsSpan(0, (int)got.Length).SequenceEqual(got.ToArray()), "the bytes before the reset differ from what was sent");
            }
        });
    }

    // A Usock socket connected to a raw .NET socket, which can do what Usock cannot: SO_LINGER {on, 0}.
    private static (USocket Us, Socket Peer) RawPeer(UsocketProfile profile)
    {
        using USocket l = Loopback.Listener(USocket.AF_INET, profile);
        Socket peer = Loopback.RawClient(l.GetSockName());
        l.SetTimeout(Loopback.Patience);
        return (l.Accept().Conn, peer);
    }

    // The peer sends "abc" (Partial), and it has arrived.
    private static void SendPartial(USocket us, Socket peer)
    {
        us.SetTimeout(Loopback.Patience);
        Assert.Equal(Partial.Length, peer.Send(Partial));
        Wire.WaitAvailable(us, Partial.Length);
    }

    private static void Reset(Socket peer)
    {
        peer.LingerState = new LingerOption(true, 0);
        peer.Close();
    }

    // The reset ("abc" first) has arrived; the call must report it.
    private static void AfterReset(USocket us, string call)
    {
        var buffer = new byte[100];
        const int Reset = Errno.ECONNRESET;
        switch (call)
        {
            case "Recv":
                Assert.Equal(Partial, us.Recv(100));
                Loopback.Raises(Reset, () => us.Recv(100));
                break;
            case "RecvInto":
                Assert.Equal(Partial.Length, us.RecvInto(buffer));
                Loopback.Raises(Reset, () => us.RecvInto(buffer));
                break;
            case "RecvFrom":
                Assert.Equal(Partial, us.RecvFrom(100).Bytes);
                Loopback.Raises(Reset, () => us.RecvFrom(100));
                break;
            case "Read":
                Loopback.Raises(Reset, () => us.Read(100));
                Wire.Equal(Partial, us.Read(Partial.Length));
                break;
            case "ReadAll":
                Loopback.Raises(Reset, () => us.Read());
                Wire.Equal(Partial, us.Read(Partial.Length));
                break;
            case "ReadLine":
                Loopback.Raises(Reset, () => us.ReadLine());
                Wire.Equal(Partial, us.Read(Partial.Length));
                break;
            case "ReadInto":
                Assert.Equal(Partial.Length, us.ReadInto(buffer));
                Assert.Equal(Partial, buffer.AsSpan(0, Partial.Length).ToArray());
                Loopback.Raises(Reset, () => us.ReadInto(buffer)); // the reset, not a clean end of stream
                break;
            case "MakeFileRead":
                using (Stream f = us.MakeFile("rb"))
                {
                    Assert.Equal(Partial.Length, f.Read(buffer));
                    Assert.Equal(Reset, Assert.Throws<UsocketException>(() => f.Read(buffer)).Errno);
                }

                break;
            case "Send":
                Loopback.Raises(Reset, () => us.Send("x"));
                break;
            case "SendAll":
                Loopback.Raises(Reset, () => us.SendAll("x"));
                break;
            case "Write":
                Loopback.Raises(Reset, () => us.Write("x"));
                break;
            case "MakeFileWrite":
                using (Stream f = us.MakeFile("wb"))
                {
                    Assert.Equal(Reset, Assert.Throws<UsocketException>(() => f.Write("x"u8)).Errno);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(call), call, null);
        }

        // Afterwards the connection is gone for good: sends fail with 104 or 32, never succeed.
        Assert.Contains(Catch(() => us.Send("x")), new[] { Reset, Errno.EPIPE });
    }
}
