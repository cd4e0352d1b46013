using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Usock.Chaos;

/// <summary>
/// The packet-level faults a user-space proxy cannot make honestly, on a real link: two network namespaces made for
/// the purpose, <see cref="ProgramNamespace"/> (the device program's side, <see cref="ProgramAddress"/>) and
/// <see cref="PeerNamespace"/> (its server's side, <see cref="PeerAddress"/>), joined by a veth pair and nothing else.
/// Faults are nftables rules and a <c>tbf</c> qdisc inside them: random packet loss, a blackhole (every packet dropped,
/// nothing acknowledged), TCP resets, a bandwidth cap, and a NAT idle timeout (a flow idle longer than T is dropped
/// silently from then on: its packets are neither delivered nor answered, so the program's kernel retransmits, its
/// receive with a timeout raises 110 and keepalive probes go unanswered).
/// </summary>
/// <remarks>
/// Needs Linux, root, <c>ip</c> and <c>tc</c> (iproute2) and <c>nft</c> (nftables); <see cref="WhyUnavailable"/> says
/// what is missing. Sockets are made inside a namespace by <see cref="In{T}"/> (a thread that enters it with
/// <c>setns</c>); a program can also be run inside with <c>ip netns exec NAME program</c>. Traffic never leaves the
/// two namespaces. <see cref="Dispose"/> deletes them.
/// </remarks>
public sealed partial class ChaosLink : IDisposable
{
    /// <summary>The program's address, in <see cref="ProgramNamespace"/>.</summary>
    public const string ProgramAddress = "10.233.0.1";

    /// <summary>The peer's address, in <see cref="PeerNamespace"/>.</summary>
    public const string PeerAddress = "10.233.0.2";

    private const string ProgramDevice = "veth-prog";
    private const string PeerDevice = "veth-peer";
    private const int CLONE_NEWNET = 0x40000000;
    private static int s_counter;
    private int _lossPercent;
    private bool _blackhole;
    private bool _reset;
    private TimeSpan _natIdle;

    private ChaosLink()
    {
        int n = Interlocked.Increment(ref s_counter);
        ProgramNamespace = $"usock-chaos-{Environment.ProcessId}-{n}-prog";
        PeerNamespace = $"usock-chaos-{Environment.ProcessId}-{n}-peer";
        try
        {
            Ip("netns", "add", ProgramNamespace);
            Ip("netns", "add", PeerNamespace);
            Ip("link", "add", ProgramDevice, "netns", ProgramNamespace, "address", "02:00:0a:e9:00:01", "type", "veth", "peer", "name", PeerDevice, "netns", PeerNamespace, "address", "02:00:0a:e9:00:02");
            foreach ((string ns, string dev, string addr, string peer, string peerMac) in new[]
            {
                (ProgramNamespace, ProgramDevice, ProgramAddress, PeerAddress, "02:00:0a:e9:00:02"),
                (PeerNamespace, PeerDevice, PeerAddress, ProgramAddress, "02:00:0a:e9:00:01"),
            })
            {
                Ip("-n", ns, "addr", "add", addr + "/30", "dev", dev);
                Ip("-n", ns, "link", "set", dev, "up");
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "neigh", "replace", peer, "lladdr", peerMac, "dev", dev, "nud", "permanent");
            }

            Apply();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The namespace of the device program (client side).</summary>
    public string ProgramNamespace { get; }

    /// <summary>The namespace of the program's peer (server side).</summary>
    public string PeerNamespace { get; }

    /// <summary>Why a link cannot be made here (not Linux, not root, a tool missing), or null when it can.</summary>
    public static string? WhyUnavailable
    {
        get
        {
            if (!OperatingSystem.IsLinux())
            {
                return "network namespaces are Linux's";
            }

            if (!Environment.IsPrivilegedProcess)
            {
                return "making network namespaces needs root";
            }

            foreach ((string tool, string package) in new[] { ("ip", "iproute2"), ("tc", "iproute2"), ("nft", "nftables") })
            {
                if (Which(tool) is null)
                {
                    return $"'{tool}' is not installed (apt-get install {package})";
                }
            }

            return null;
        }
    }

    /// <summary>Makes the two namespaces and the veth pair between them, with no fault on it.</summary>
    /// <exception cref="InvalidOperationException">The link cannot be made (see <see cref="WhyUnavailable"/>).</exception>
    public static ChaosLink Create()
    {
        if (WhyUnavailable is { } why)
        {
            throw new InvalidOperationException($"cannot make a chaos link: {why}");
        }

        return new ChaosLink();
    }

    /// <summary>Drops <paramref name="percent"/>% of the packets, each way, at random (0: none).</summary>
    public void SetLoss(int percent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        _lossPercent = percent;
        Apply();
    }

    /// <summary>Drops every packet between the two (a link gone silent: nothing delivered, nothing answered).</summary>
    public void SetBlackhole(bool on)
    {
        _blackhole = on;
        Apply();
    }

    /// <summary>Answers every TCP packet arriving at the peer with a reset.</summary>
    public void SetReset(bool on)
    {
        _reset = on;
        Apply();
    }

    /// <summary>
    /// A NAT idle timeout: a TCP flow (opened by the program) with no packet for <paramref name="idle"/> is forgotten,
    /// and from then on its packets are dropped silently both ways. Zero turns it off.
    /// </summary>
    public void SetNatIdle(TimeSpan idle)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(idle, TimeSpan.Zero);
        _natIdle = idle;
        Apply();
    }

    /// <summary>Caps the rate each way with a <c>tbf</c> qdisc, e.g. <c>"64kbit"</c>, <c>"1mbit"</c>; null removes the cap.</summary>
    public void SetBandwidth(string? rate)
    {
        foreach ((string ns, string dev) in new[] { (ProgramNamespace, ProgramDevice), (PeerNamespace, PeerDevice) })
        {
            Run("ip", ["netns", "exec", ns, "tc", "qdisc", "del", "dev", dev, "root"], tolerate: true);
            if (rate is not null)
            {
                Run("ip", ["netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms"]);
            }
        }
    }

    /// <summary>Removes every fault.</summary>
    public void Clear()
    {
        _lossPercent = 0;
        _blackhole = false;
        _reset = false;
        _natIdle = TimeSpan.Zero;
        Apply();
        SetBandwidth(null);
    }

    /// <summary>Packets dropped so far by the link's rules (their nftables counters).</summary>
    public long DroppedPackets()
    {
        string listing = Run("ip", ["netns", "exec", PeerNamespace, "nft", "list", "table", "inet", "usockchaos"]);
        long total = 0;
        foreach (System.Text.RegularExpressions.Match m in CounterRegex().Matches(listing))
        {
            total += long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return total;
    }

    /// <summary>Runs <paramref name="create"/> on a thread inside namespace <paramref name="ns"/>: sockets it makes live there.</summary>
    public static T In<T>(string ns, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        T result = default!;
        Exception? error = null;
        var t = new Thread(
            () =>
            {
                try
                {
                    using Microsoft.Win32.SafeHandles.SafeFileHandle h = File.OpenHandle(Path.Combine("/run/netns", ns), FileMode.Open, FileAccess.Read);
                    if (SetNs((int)h.DangerousGetHandle(), CLONE_NEWNET) != 0)
                    {
                        throw new InvalidOperationException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                    }

                    result = create();
                }
#pragma warning disable CA1031 // the thread hands any failure to the caller
                catch (Exception e)
#pragma warning restore CA1031
                {
                    error = e;
                }
            },
            256 * 1024);
        t.Start();
        t.Join();
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        return result;
    }

    /// <summary>Deletes both namespaces (the veth pair and every rule go with them).</summary>
    public void Dispose()
    {
        foreach (string ns in new[] { ProgramNamespace, PeerNamespace })
        {
            if (ns is not null && File.Exists(Path.Combine("/run/netns", ns)))
            {
                Run("ip", ["netns", "del", ns], tolerate: true);
            }
        }
    }

    /// <summary>The nftables script for the faults set now (in the peer's namespace, which sees both directions).</summary>
    internal string Script()
    {
        var s = new StringBuilder();
        s.Append("table inet usockchaos {\n");
        const string Key = "ip saddr . tcp sport . ip daddr . tcp dport";
        const string Reversed = "ip daddr . tcp dport . ip saddr . tcp sport";
        if (_natIdle > TimeSpan.Zero)
        {
            s.Append(CultureInfo.InvariantCulture, $" set flows {{ type ipv4_addr . inet_service . ipv4_addr . inet_service; flags dynamic, timeout; timeout {(long)Math.Ceiling(_natIdle.TotalMilliseconds)}ms; }}\n");
        }

        foreach (bool input in new[] { true, false })
        {
            s.Append(input ? " chain input {\n  type filter hook input priority 0; policy accept;\n  iifname \"lo\" accept\n" : " chain output {\n  type filter hook output priority 0; policy accept;\n  oifname \"lo\" accept\n");
            if (_blackhole)
            {
                s.Append("  counter drop\n");
            }

            if (_reset && input)
            {
                s.Append("  meta l4proto tcp counter reject with tcp reset\n");
            }

            if (_lossPercent > 0)
            {
                s.Append(CultureInfo.InvariantCulture, $"  numgen random mod 100 < {_lossPercent} counter drop\n");
            }

            if (_natIdle > TimeSpan.Zero)
            {
                string key = input ? Key : Reversed;
                if (input)
                {
                    s.Append(CultureInfo.InvariantCulture, $"  tcp flags & (syn | ack) == syn update @flows {{ {key} }} accept\n");
                }

                s.Append(CultureInfo.InvariantCulture, $"  {key} @flows update @flows {{ {key} }} accept\n");
                s.Append("  meta l4proto tcp counter drop\n");
            }

            s.Append(" }\n");
        }

        s.Append("}\n");
        return s.ToString();
    }

    private void Apply()
    {
        Run("ip", ["netns", "exec", PeerNamespace, "nft", "-f", "-"], stdin: $"table inet usockchaos\ndelete table inet usockchaos\n{Script()}");
    }

    private static void Ip(params string[] args) => Run("ip", args);

    private static string Run(string tool, string[] args, string? stdin = null, bool tolerate = false)
    {
        var psi = new ProcessStartInfo(Which(tool) ?? tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Task<string> error = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }

        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} did not finish within 30 s");
        }

        p.WaitForExit();
        if (p.ExitCode != 0 && !tolerate)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {error.Result.Trim()}");
        }

        return output.Result;
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    [System.Text.RegularExpressions.GeneratedRegex(@"counter packets (\d+)")]
    private static partial System.Text.RegularExpressions.Regex CounterRegex();

#pragma warning disable SYSLIB1054 // two ints need no marshalling
    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetNs(int fd, int nstype);
#pragma warning restore SYSLIB1054
}
