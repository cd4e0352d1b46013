using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// A connect's name lookup is part of the call and ends at its deadline, as the firmware's connect timeout does. The
/// DNS server here is a test host in a network namespace that reads every query and answers none; the client runs in
/// a child process inside the other namespace, whose <c>resolv.conf</c> (<c>ip netns exec</c> mounts
/// <c>/etc/netns/NS/resolv.conf</c> over <c>/etc/resolv.conf</c>) names that server and gives the resolver 5 s × 2
/// tries: a lookup left to itself would end after 10 s with -202.
/// </summary>
[Collection(Serial.Name)]
public class LookupDeadlineTests
{
    [Fact]
    public void Connect_AndConnectAsync_ToANameWhoseDnsServerNeverAnswers_EndAtTheDeadlineWith110()
    {
        using Netns ns = Netns.Create();
        using Socket dns = Netns.In(ns.B, () =>
        {
            var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            u.Bind(new IPEndPoint(IPAddress.Parse(Netns.B4), 53));
            return u;
        });
        string etc = $"/etc/netns/{ns.A}";
        Directory.CreateDirectory(etc);
        try
        {
            File.WriteAllText(Path.Combine(etc, "resolv.conf"), $"nameserver {Netns.B4}\noptions timeout:5 attempts:2\n");
            string output = Netns.Run("ip", ["netns", "exec", ns.A, "dotnet", PeerProcess.DllPath, "lookup", "device.example", "1"]);
            Dictionary<string, string> got = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
            foreach (string how in new[] { "sync", "async" })
            {
                Assert.True(got.ContainsKey($"{how}_errno"), output);
                Assert.Equal(Errno.ETIMEDOUT, int.Parse(got[$"{how}_errno"], CultureInfo.InvariantCulture));
                Assert.InRange(int.Parse(got[$"{how}_ms"], CultureInfo.InvariantCulture), 750, 4000);
            }

            Assert.True(dns.Available > 0, "the DNS server never saw a query");
        }
        finally
        {
            Directory.Delete(etc, recursive: true);
        }
    }
}
