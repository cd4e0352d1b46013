namespace Usock.Tests;

// The peer's half-close: all data, then end of stream, in every read style.
public partial class FaultTests
{
    // ---------------------------------------------------------------- peer half-close

    // The peer sends two lines and a partial one, then shuts down its sending side (FIN). Every read style gets
    // all 19 bytes, then end of stream (the device profile's Recv raises 107 once first, as lwIP does), and the
    // connection still carries 1 MiB the other way.
    [Theory]
    [MemberData(nameof(HalfCloseReaders))]
    public void PeerHalfClose_AllDataThenEndOfStream_AndTheOtherDirectionWorks(string call, UsocketProfile profile)
    {
        byte[] sent = "line1\nline2\npartial"u8.ToArray();
        Fds.AssertNoLeak($"half-close read by {call}", 5, () =>
        {
            using Pair p = Loopback.Connected(USocket.AF_INET, profile);
            using var guard = HangGuard.For(p);
            p.Client.SetTimeout(Loopback.Patience);
            p.Server.SetTimeout(Loopback.Patience);
            p.Server.SendAll(sent);
            p.Server.Shutdown(USocket.SHUT_WR);
            Wire.WaitPeerFin(p.Client);

            Assert.Equal(sent, DrainToEnd(p.Client, call, profile));
            Assert.Equal((int)TcpState.CloseWait, p.Client.GetSocketSta());

            byte[] back = Wire.RandomBytes(1024 * 1024);
            Task<byte[]?> reader = Task.Run(() => p.Server.Read());
            p.Client.SendAll(back);
            p.Client.Shutdown(USocket.SHUT_WR);
            Assert.True(reader.Wait(TimeSpan.FromSeconds(Loopback.Patience)));
            Assert.Equal(Wire.Hash(back), Wire.Hash(reader.Result));
        });
    }

    // Reads everything up to end of stream the way one call does it.
    private static byte[] DrainToEnd(USocket s, string call, UsocketProfile profile)
    {
        using var got = new MemoryStream();
        var buffer = new byte[7];
        switch (call)
        {
            case "ReadLine":
                for (byte[]? line = s.ReadLine(); line!.Length > 0; line = s.ReadLine())
                {
                    got.Write(line);
                }

                Assert.Empty(s.ReadLine()!);
                break;
            case "Read":
                for (byte[]? part = s.Read(4); part!.Length > 0; part = s.Read(4))
                {
                    got.Write(part);
                }

                break;
            case "ReadAll":
                got.Write(s.Read()!);
                Assert.Empty(s.Read()!);
                break;
            case "ReadInto":
                for (int? n = s.ReadInto(buffer); n > 0; n = s.ReadInto(buffer))
                {
                    got.Write(buffer, 0, n.Value);
                }

                break;
            case "MakeFileRead":
                using (Stream f = s.MakeFile("rb"))
                {
                    f.CopyTo(got);
                }

                break;
            default:
                Func<int> receive = call == "Recv"
                    ? () =>
                    {
                        byte[] b = s.Recv(5);
                        got.Write(b);
                        return b.Length;
                    }
                : () =>
                    {
                        int n = s.RecvInto(buffer);
                        got.Write(buffer, 0, n);
                        return n;
                    };
                bool eofRaised = false;
                while (true)
                {
                    try
                    {
                        if (receive() == 0)
                        {
                            break;
                        }
                    }
                    catch (UsocketException e) when (e.Errno == Errno.ENOTCONN && profile == UsocketProfile.QuecPython && !eofRaised)
                    {
                        eofRaised = true; // lwIP's end of stream: 107 once...
                        continue; // ...then empty
                    }
                }

                Assert.Equal(profile == UsocketProfile.QuecPython, eofRaised);
                break;
        }

        return got.ToArray();
    }
}
