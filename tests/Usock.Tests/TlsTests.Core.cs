using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>TLS on the socket core: deadlines on the socket's clock per call and direction, the non-blocking handshake
/// without a thread, one reader at a time, async members, Close waking every waiter.</summary>
public sealed partial class TlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Read_TimeoutRunsOnTheSocketsClock_OneDeadlineAcrossRecords()
    {
        Blocked.SkipUnlessSupported();
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (c)
        using (s)
        {
            var clock = new FakeTimeProvider();
            c.Socket.TimeProvider = clock;
            c.SetTimeout(10);
            var read = BlockedCall.Start("tls read", () => c.Read(10));
            Blocked.On(read, c.Socket);
            clock.Advance(TimeSpan.FromSeconds(6));
            Blocked.On(read, c.Socket); // 6 s of 10 gone: still waiting
            s.Write("12345"u8); // one record: half of what the read waits for
            Assert.True(Loopback.Eventually(() => c.Buffered == 5), "the first record never arrived");
            Blocked.On(read, c.Socket); // waiting for the rest, in a second receive
            clock.Advance(TimeSpan.FromSeconds(5)); // 11 s since the call began: its one deadline has passed
            Assert.Equal(Errno.ETIMEDOUT, Assert.IsType<UsocketException>(read.Raised()).Errno);

            s.Write("67890"u8);
            Assert.Equal("1234567890"u8.ToArray(), c.Read(10)); // nothing was lost
        }
    }

    [Fact]
    public async Task ReaderAndWriter_AtOnce_EachTimesOutOnItsOwnDeadline_ThenTheConnectionWorks()
    {
        Blocked.SkipUnlessSupported();
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (c)
        using (s)
        {
            Buffers.Fix(c.Socket);
            Buffers.Fix(s.Socket);
            var clock = new FakeTimeProvider();
            c.Socket.TimeProvider = clock;
            c.SetTimeout(10);
            var reader = BlockedCall.Start("tls reader", () => c.Read(1));
            Blocked.On(reader, c.Socket);
            clock.Advance(TimeSpan.FromSeconds(6));
            byte[] data = Wire.Seq(Buffers.MoreThanFits);
            var writer = BlockedCall.Start("tls writer", () => c.SendAll(data)); // s reads nothing: the kernel fills up
            Blocked.On(writer, c.Socket);

            clock.Advance(TimeSpan.FromSeconds(5)); // reader: 11 s of 10; writer: 5 s of 10
            Assert.Equal(Errno.ETIMEDOUT, Assert.IsType<UsocketException>(reader.Raised()).Errno);
            Assert.False(writer.Task.IsCompleted, "the reader's deadline ended the writer");
            Blocked.On(writer, c.Socket);
            clock.Advance(TimeSpan.FromSeconds(6));
            Assert.Equal(Errno.ETIMEDOUT, Assert.IsType<UsocketException>(writer.Raised()).Errno);

            // Both directions still work: the record that timed out is still sent, before the next write's data.
            c.SetTimeout(Loopback.Patience);
            c.Socket.TimeProvider = TimeProvider.System;
            var drain = Task.Run(
                () =>
                {
                    var got = new List<byte>();
                    while (got.Count < 4 || !got[^4..].SequenceEqual("tail"u8.ToArray()))
                    {
                        got.AddRange(s.Recv(64 * 1024));
                    }

                    return got.ToArray();
                },
                Ct);
            c.SendAll("tail"u8);
            byte[] received = await drain.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct);
            Assert.InRange(received.Length - 4, 1, data.Length - 1);
            Assert.Equal(data[..(received.Length - 4)], received[..^4]); // whole records of the timed-out call, in order
            s.Write("x"u8);
            Assert.Equal("x"u8.ToArray(), c.Read(1));
        }
    }

    [Fact]
    public void NonBlocking_Handshake_NeverFlipsTheSocket_DoHandshakeRaisesEAGAINUntilDone()
    {
        Blocked.SkipUnlessSupported();
        Pair p = Loopback.Connected();
        p.Server.SetTimeout(Loopback.Patience);
        p.Client.SetBlocking(false);
        using var guard = new HangGuard(Loopback.Patience, p.Client, p.Server);
        using USslSocket c = USsl.WrapSocket(p.Client, ca: Pki.Ca.CertPem, serverHostname: "localhost");
        int fd = Blocked.Fd(p.Client);

        // The server has not started: the handshake waits for its answer, and nothing waits in the kernel on its socket.
        Assert.Equal(Errno.EAGAIN, Assert.Throws<UsocketException>(c.DoHandshake).Errno);
        Assert.Equal(0, c.Timeout);
        Assert.Equal(0, p.Client.Timeout);
        Assert.False(p.Client.RawSocket!.Blocking);
        Assert.Empty(ThreadsInRecvOn(fd));

        using USslSocket s = USsl.WrapSocket(p.Server, key: Pki.Server.KeyPem, cert: Pki.Server.CertPem, serverSide: true);
        Assert.True(Loopback.Eventually(() =>
        {
            try
            {
                c.DoHandshake();
                return true;
            }
            catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
            {
                return false;
            }
        }), "the handshake never ended");
        Assert.True(c.IsHandshakeComplete);
        Assert.Equal(0, p.Client.Timeout);
        Assert.Equal(2, c.Write("hi"u8));
        Assert.Equal("hi"u8.ToArray(), s.Read(2));
    }

    [Fact]
    public async Task TwoReaders_OnOneTlsSocket_TakeTurns_NoOperationPendingError()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        Blocked.SkipUnlessSupported();
        using OpenSslPeer server = OpenSslPeer.Server("-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem));
        using USslSocket tls = USsl.WrapSocket(ConnectTo(server.Port), serverHostname: "localhost");
        tls.SetBlocking(true);
        var first = BlockedCall.Start("reader 1", () => tls.ReadLine());
        Blocked.On(first, tls.Socket);
        var second = BlockedCall.Start("reader 2", () => tls.ReadLine()); // a plain socket allows it: so does TLS now
        Task<byte[]?> third = tls.ReadLineAsync(Ct).AsTask();
        server.Send("one\ntwo\nthree\n");
        string[] lines = [.. new[] { (byte[]?)first.Result(), (byte[]?)second.Result(), await third.WaitAsync(TimeSpan.FromSeconds(Loopback.Patience), Ct) }
            .Select(b => System.Text.Encoding.ASCII.GetString(b!))];
        Assert.Equal(["one\n", "three\n", "two\n"], lines.Order());

        tls.Write("after\n"u8); // and the writer was never in the way
        Assert.Equal("after\n"u8.ToArray(), server.ReadOutput(6));
    }

    [Fact]
    public void Close_WakesTheReaderInTheKernel_AndTheReaderWaitingForItsTurn_With9()
    {
        Blocked.SkipUnlessSupported();
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (s)
        {
            c.SetBlocking(true);
            var first = BlockedCall.Start("reader 1", () => c.Read(1));
            Blocked.On(first, c.Socket);
            var second = BlockedCall.Start("reader 2", () => c.Recv(1));
            long closedAt = Stopwatch.GetTimestamp();
            c.Close();
            Assert.Equal(Errno.EBADF, Assert.IsType<UsocketException>(first.Raised()).Errno);
            Assert.Equal(Errno.EBADF, Assert.IsType<UsocketException>(second.Raised()).Errno);
            Assert.InRange(first.MillisecondsSince(closedAt), 0, 2000);
        }
    }

    [Fact]
    public async Task Async_Members_AgainstOpenSslServer_WhatThePeerReceived()
    {
        Assert.SkipUnless(OpenSslPeer.Available, OpenSslPeer.SkipReason);
        using OpenSslPeer server = OpenSslPeer.Server("-cert", Pki.File("server.pem", Pki.Server.CertPem), "-key", Pki.File("server.key", Pki.Server.KeyPem));
        USocket sock = ConnectTo(server.Port);
        await using USslSocket tls = USsl.WrapSocket(sock, ca: Pki.Ca.CertPem, serverHostname: "localhost", doHandshake: false);

        await tls.SendAllAsync("hello async\n"u8.ToArray(), Ct); // the handshake, awaited, then the data
        Assert.True(tls.IsHandshakeComplete);
        Assert.Equal("hello async\n"u8.ToArray(), server.ReadOutput(12));
        Assert.Equal(3, await tls.SendAsync("abc"u8.ToArray(), Ct));
        Assert.Equal(2, await tls.WriteAsync("de"u8.ToArray(), Ct));
        Assert.Equal("abcde"u8.ToArray(), server.ReadOutput(5));

        server.Send("line one\nline two\n0123456789");
        Assert.Equal("line one\n"u8.ToArray(), await tls.ReadLineAsync(Ct));
        Assert.Equal("line two\n"u8.ToArray(), await tls.ReadAsync(9, Ct));
        var buf = new byte[4];
        Assert.Equal(4, await tls.ReadIntoAsync(buf, cancellationToken: Ct));
        Assert.Equal("0123"u8.ToArray(), buf);
        byte[] rest = await tls.RecvAsync(100, Ct);
        Assert.Equal("456789"u8.ToArray()[..rest.Length], rest);

        // A cancelled wait leaves the connection usable.
        using var cancel = new CancellationTokenSource();
        ValueTask<byte[]?> pending = tls.ReadLineAsync(cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        server.Send("after cancel\n");
        byte[]? line = await tls.ReadLineAsync(Ct);
        Assert.EndsWith("after cancel\n", System.Text.Encoding.ASCII.GetString(line!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Async_Read_BlockedWithTimeout_Raises110_OnTheSocketsClock()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect();
        using (c)
        using (s)
        {
            var clock = new FakeTimeProvider();
            c.Socket.TimeProvider = clock;
            c.SetTimeout(30);
            ValueTask<byte[]> pending = c.RecvAsync(10, Ct);
            clock.Advance(TimeSpan.FromSeconds(29));
            Assert.False(pending.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(2));
            var e = await Assert.ThrowsAsync<UsocketException>(async () => await pending);
            Assert.Equal(Errno.ETIMEDOUT, e.Errno);
            s.Write("ok"u8);
            c.Socket.TimeProvider = TimeProvider.System;
            c.SetTimeout(Loopback.Patience);
            Assert.Equal("ok"u8.ToArray(), await c.ReadAsync(2, Ct));
        }
    }

    [Fact]
    public void Poller_TlsSocket_ReadableWithDecryptedBytesBuffered_AndWithARecordSslStreamWouldHaveHeld()
    {
        (USslSocket c, USslSocket s) = TlsPairs.Connect(clientOptions: Only("1.3"));
        using (c)
        using (s)
        {
            using Poller poller = USelect.Poll();
            poller.Register(c, USelect.POLLIN);
            s.Write("first\n"u8);
            Assert.Equal("first\n"u8.ToArray(), c.ReadLine()); // also takes the session tickets sent before it
            Assert.Empty(poller.Poll(0, TestContext.Current.CancellationToken));

            // Two lines in one record: the first read leaves the second decrypted in the TLS socket's buffer only.
            s.Write("a\nb\n"u8);
            Assert.Equal("a\n"u8.ToArray(), c.ReadLine());
            Assert.Equal(0, c.Socket.RawSocket!.Available);
            Assert.Equal([(c.Socket, USelect.POLLIN)], poller.Poll(0, TestContext.Current.CancellationToken));
            Assert.Equal("b\n"u8.ToArray(), c.ReadLine());
            Assert.Empty(poller.Poll(0, TestContext.Current.CancellationToken));

            // Two records in the kernel at once: reading the first must not leave the second inside SslStream, where
            // the kernel and the poller would no longer see it.
            s.Write("one\n"u8);
            s.Write("two\n"u8);
            Assert.True(Loopback.Eventually(() => c.Socket.RawSocket!.Available >= 2 * (5 + 4 + 1 + 16)), "the two records never arrived");
            Assert.Equal("one\n"u8.ToArray(), c.ReadLine());
            Assert.Equal([(c.Socket, USelect.POLLIN)], poller.Poll(0, TestContext.Current.CancellationToken));
            Assert.Equal("two\n"u8.ToArray(), c.ReadLine());
            Assert.Empty(poller.Poll(0, TestContext.Current.CancellationToken));

            // The same with full records: the first fills the read's room, so SslStream could only have kept the second.
            byte[] big = Wire.Seq(2 * 16384);
            s.Write(big.AsSpan(0, 16384));
            s.Write(big.AsSpan(16384));
            Assert.True(Loopback.Eventually(() => c.Socket.RawSocket!.Available >= big.Length), "the two records never arrived");
            Assert.Equal(big[..16384], c.Read(16384));
            Assert.Equal([(c.Socket, USelect.POLLIN)], poller.Poll(0, TestContext.Current.CancellationToken));
            Assert.Equal(big[16384..], c.Read(16384));
            Assert.Empty(poller.Poll(0, TestContext.Current.CancellationToken));

            // And a wait wakes when a record arrives.
            var sw = Stopwatch.StartNew();
            var later = Task.Run(() => s.Write("late\n"u8), Ct);
            Assert.Equal([(c.Socket, USelect.POLLIN)], poller.Poll((int)(Loopback.Patience * 1000), TestContext.Current.CancellationToken));
            Assert.Equal("late\n"u8.ToArray(), c.ReadLine());
            poller.Unregister(c);
            Assert.Equal(0, poller.Count);
        }
    }

    // Threads of this process in recvfrom/read on the descriptor (a handshake blocking on a thread of its own).
    private static List<int> ThreadsInRecvOn(int fd)
    {
        var found = new List<int>();
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            string[] call;
            try
            {
                call = File.ReadAllText(Path.Combine(task, "syscall")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (IOException)
            {
                continue;
            }

            if (call.Length > 1 && call[0] is "0" or "45" && long.Parse(call[1].Replace("0x", "", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture) == fd)
            {
                found.Add(int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture));
            }
        }

        return found;
    }
}
