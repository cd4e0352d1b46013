using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// Filling a TCP connection so that it stays full. The kernel grows buffers it was not told the size of
/// (send-buffer autotuning as the window opens, the receiver's window as data arrives), so a connection filled
/// "until a send would block" can find room again a moment later, and a test that then expects a send to wait
/// sees it end. Here both ends get fixed <c>SO_SNDBUF</c>/<c>SO_RCVBUF</c> (which turns autotuning off for them),
/// and a fill ends only in a state that cannot change until the peer reads: every byte the sender queued and
/// the peer has room for is acknowledged, the rest waits behind a closed window, and one more send would block.
/// </summary>
public static class Buffers
{
    /// <summary>The size each fixed buffer is given (the kernel doubles it for its bookkeeping).</summary>
    public const int Size = 32 * 1024;

    /// <summary>
    /// More than a connection between two fixed ends can ever hold unread (2 × <see cref="Size"/> queued to send,
    /// 2 × <see cref="Size"/> in the peer's receive queue, with room to spare): a send of this many bytes must wait.
    /// </summary>
    public const int MoreThanFits = 1024 * 1024;

    // linux/sockios.h: bytes in the send queue (sent but unacknowledged + not yet sent), and not yet sent.
    private const uint SIOCOUTQ = 0x5411, SIOCOUTQNSD = 0x894B;

    /// <summary>Fixes both buffers of <paramref name="s"/>.</summary>
    public static void Fix(USocket s) => Fix(s.RawSocket!);

    /// <summary>Fixes both buffers of <paramref name="s"/>.</summary>
    public static void Fix(Socket s)
    {
        s.SendBufferSize = Size;
        s.ReceiveBufferSize = Size;
    }

    /// <summary>
    /// Fixes the buffers of both ends, then fills the connection from <paramref name="sender"/> with
    /// <see cref="Wire.Seq"/> bytes (continuing at <paramref name="start"/>) until it stays full; returns the
    /// bytes queued. The sender's timeout is restored.
    /// </summary>
    public static long Fill(USocket sender, USocket receiver, long start = 0)
    {
        Fix(receiver);
        return Fill(sender, start);
    }

    /// <summary>As <see cref="Fill(USocket, USocket, long)"/>, for a raw .NET peer.</summary>
    public static long Fill(USocket sender, Socket receiver, long start = 0)
    {
        Fix(receiver);
        return Fill(sender, start);
    }

    private static long Fill(USocket sender, long start)
    {
        Fix(sender);
        Socket raw = sender.RawSocket!;
        double? timeout = sender.Timeout;
        sender.SetBlocking(false);
        var sw = Stopwatch.StartNew();
        long total = 0;
        while (true)
        {
            while (TrySend(sender, start + total) is int n)
            {
                total += n;
            }

            // Full for now. It stays full once nothing is in flight: whatever is still queued waits for the peer.
            // The queues are read before and after the last try, so a moment inside the kernel's handling of an
            // acknowledgement (queue read, window not yet used) is not taken for the settled state.
            (int Queued, int Unsent) before = Queues(raw);
            if (before.Unsent > 0 && before.Queued == before.Unsent)
            {
                if (TrySend(sender, start + total) is int more)
                {
                    total += more;
                    continue;
                }

                if (Queues(raw) == before)
                {
                    break;
                }

                continue;
            }

            Assert.True(sw.Elapsed.TotalSeconds < Loopback.Patience, $"the connection never settled full ({Describe(raw)})");
            Thread.Sleep(1); // waiting for the kernel's acknowledgements, not for a call to block
        }

        sender.SetTimeout(timeout);
        return total;
    }

    private static int? TrySend(USocket s, long offset)
    {
        try
        {
            return s.Send(Wire.Seq(64 * 1024, (int)(offset % 251)));
        }
        catch (UsocketException e) when (e.Errno == Errno.EAGAIN)
        {
            return null;
        }
    }

    private static (int Queued, int Unsent) Queues(Socket s)
    {
        nint fd = s.SafeHandle.DangerousGetHandle();
        Assert.True(Ioctl(fd, SIOCOUTQ, out int queued) == 0, $"SIOCOUTQ failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.True(Ioctl(fd, SIOCOUTQNSD, out int unsent) == 0, $"SIOCOUTQNSD failed: errno {Marshal.GetLastPInvokeError()}");
        return (queued, unsent);
    }

    private static string Describe(Socket s)
    {
        (int queued, int unsent) = Queues(s);
        return $"send queue {queued} bytes, {unsent} of them unsent";
    }

    // DllImport, not LibraryImport: the generated marshalling would need unsafe code in the test project.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Ioctl(nint fd, nuint request, out int value);
#pragma warning restore SYSLIB1054
}
