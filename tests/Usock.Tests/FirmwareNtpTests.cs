using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The firmware's <c>ntptime</c> in <c>usock run</c> (tests/python/fw_ntptime.py) against an NTP responder the test
/// runs on 127.0.0.1 (a UDP socket answering SNTP requests with a fixed time), reached as ntp.aliyun.com:123 through
/// <c>--resolve</c>. The responder checks each request it gets (48 bytes, version 3, client mode).
/// </summary>
public sealed class FirmwareNtpTests
{
    private const uint NtpSeconds = 1_700_000_000u + 2_208_988_800u; // 2023-11-14 22:13:20 UTC, as NTP counts (from 1900)

    [Fact]
    public void Settime_sets_the_clock_to_the_servers_time_in_the_timezone_asked()
    {
        PythonScripts.SkipUnlessPython();
        using var responder = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)responder.Client.LocalEndPoint!).Port;
        var requests = new List<byte[]>();
        var errors = new List<string>();
        var serving = new Thread(() =>
        {
            var from = new IPEndPoint(IPAddress.Any, 0);
            while (true)
            {
                byte[] q;
                try
                {
                    q = responder.Receive(ref from);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return; // the test closed the responder
                }

                if (q.Length == 0)
                {
                    return; // closing the socket wakes a blocked receive with nothing (Linux): the test is done
                }

                lock (requests)
                {
                    requests.Add(q);
                }

                var answer = new byte[48];
                answer[0] = 0x1C; // version 3, server mode
                BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(40), NtpSeconds);
                try
                {
                    responder.Send(answer, answer.Length, from);
                }
                catch (SocketException e)
                {
                    lock (requests)
                    {
                        errors.Add($"answer to {from} (request of {q.Length} bytes, first {(q.Length > 0 ? q[0] : -1)}): {e.Message}"); // a test failure below, never a crashed test host
                    }
                }
            }
        })
        { IsBackground = true };
        serving.Start();

        CliProcess.Result r = PythonScripts.Run("--resolve", $"ntp.aliyun.com:123=127.0.0.1:{port}", PythonScripts.Script("fw_ntptime.py"), "8");
        responder.Close();
        Assert.True(serving.Join(CliProcess.Patience), "the responder did not stop");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("host ntp.aliyun.com", r.StdOut, StringComparison.Ordinal);
        Assert.Contains($"time {1_700_000_000 - 946_684_800}", r.StdOut, StringComparison.Ordinal); // seconds since 2000, as the device
        Assert.Contains("settime 0", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("rtc 2023-11-15 06:13", r.StdOut, StringComparison.Ordinal); // UTC+8
        Assert.Contains("bad timezone -1", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("sethost 0 ntp.nowhere.invalid", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("unanswered -1", r.StdOut, StringComparison.Ordinal);
        lock (requests)
        {
            Assert.Empty(errors);
            Assert.Equal(2, requests.Count); // time() and settime(8); settime(13) asks nothing
            Assert.All(requests, q =>
            {
                Assert.Equal(48, q.Length);
                Assert.Equal(0x1B, q[0]); // LI 0, version 3, mode 3 (client)
            });
        }
    }
}
