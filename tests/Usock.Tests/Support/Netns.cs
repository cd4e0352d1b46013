using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// Two network namespaces made for one test, <see cref="A"/> and <see cref="B"/>, joined by a veth pair with
/// addresses that exist only inside them (<see cref="A4"/>/<see cref="B4"/> in a /30, <see cref="A6"/>/<see cref="B6"/>
/// in a ULA /64). Nothing is routed anywhere else: neither namespace has another interface or a default route.
/// </summary>
/// <remarks>
/// <para>Usock sockets are made inside a namespace by <see cref="In{T}"/>: a dedicated thread enters the namespace
/// with <c>setns(2)</c> (which moves only the calling thread), creates the socket and ends. A socket belongs to
/// the namespace it was created in for its whole life, so the test uses it from any thread afterwards.</para>
/// <para>Faults are nftables rules (<see cref="Nft"/>) and traffic control (<see cref="Tc"/>) inside the
/// namespaces. Needs Linux, root, <c>ip</c> (iproute2) and <c>nft</c> (nftables); where any is missing,
/// <see cref="Create"/> skips the test with the reason. Names carry the process id and a counter
/// (<c>usock-PID-N-a</c>), <see cref="Dispose"/> deletes both namespaces (their veth ends go with them), and
/// namespaces left by a test process that died are deleted by the next run.</para>
/// </remarks>
public sealed partial class Netns : IDisposable
{
    public const string A4 = "10.231.0.1";
    public const string B4 = "10.231.0.2";
    public const string A6 = "fd00:231::1";
    public const string B6 = "fd00:231::2";
    public const string DevA = "veth-a";
    public const string DevB = "veth-b";
    public const string MacA = "02:00:0a:e7:00:01";
    public const string MacB = "02:00:0a:e7:00:02";

    private const int CLONE_NEWNET = 0x40000000;
    private static readonly Lazy<string?> Unavailable = new(Probe);
    private static int s_counter;

    private Netns(string tag)
    {
        int n = Interlocked.Increment(ref s_counter);
        A = $"usock-{Environment.ProcessId}-{tag}{n}-a";
        B = $"usock-{Environment.ProcessId}-{tag}{n}-b";
        try
        {
            Ip("netns", "add", A);
            Ip("netns", "add", B);
            Ip("link", "add", DevA, "netns", A, "address", MacA, "type", "veth", "peer", "name", DevB, "netns", B, "address", MacB);
            foreach ((string ns, string dev, string v4, string v6, string peer4, string peer6, string peerMac) in new[]
            {
                (A, DevA, A4, A6, B4, B6, MacB),
                (B, DevB, B4, B6, A4, A6, MacA),
            })
            {
                Ip("-n", ns, "addr", "add", v4 + "/30", "dev", dev);
                Ip("-n", ns, "addr", "add", v6 + "/64", "dev", dev, "nodad");
                Ip("-n", ns, "link", "set", dev, "up");
                Ip("-n", ns, "link", "set", "lo", "up");

                // Static neighbours: no ARP or neighbour discovery to wait for (a first IPv6 SYN would otherwise
                // be lost to it and retried after 1 s) or to be dropped by a blackhole rule.
                Ip("-n", ns, "neigh", "replace", peer4, "lladdr", peerMac, "dev", dev, "nud", "permanent");
                Ip("-n", ns, "neigh", "replace", peer6, "lladdr", peerMac, "dev", dev, "nud", "permanent");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The client's namespace.</summary>
    public string A { get; }

    /// <summary>The server's namespace.</summary>
    public string B { get; }

    /// <summary>Why namespace tests cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    /// <summary>A fresh pair of namespaces, or a skipped test (with the reason) where they cannot be made.</summary>
    public static Netns Create()
    {
        string? reason = Unavailable.Value;
        Assert.SkipWhen(reason is not null, reason ?? "");
        return new Netns("t");
    }

    /// <summary>Runs <paramref name="create"/> on a new thread inside namespace <paramref name="ns"/> and returns its result.</summary>
    public static T In<T>(string ns, Func<T> create)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(
            () =>
            {
                try
                {
                    using Microsoft.Win32.SafeHandles.SafeFileHandle h = File.OpenHandle(NamespaceFile(ns), FileMode.Open, FileAccess.Read);
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

    /// <summary>A stream socket created inside <paramref name="ns"/>.</summary>
    public static USocket Socket(string ns, int af = USocket.AF_INET, UsocketProfile profile = UsocketProfile.QuecPython) =>
        In(ns, () => new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile));

    /// <summary>A listener inside <see cref="B"/> on its veth address (port picked by the system).</summary>
    public USocket Listener(int af = USocket.AF_INET, UsocketProfile profile = UsocketProfile.QuecPython)
    {
        USocket l = Socket(B, af, profile);
        l.Bind((af == USocket.AF_INET ? B4 : B6, 0));
        l.Listen(8);
        return l;
    }

    /// <summary>A connected pair across the link: client in <see cref="A"/>, server side in <see cref="B"/>.</summary>
    public Pair Connected(int af = USocket.AF_INET, UsocketProfile profile = UsocketProfile.QuecPython)
    {
        using USocket l = Listener(af, profile);
        USocket c = Socket(A, af, profile);
        c.SetTimeout(Loopback.Patience);
        c.Connect(l.GetSockName());
        c.SetTimeout(null);
        l.SetTimeout(Loopback.Patience);
        return new Pair(c, l.Accept().Conn);
    }

    /// <summary>Loads an nftables script into <paramref name="ns"/> (<c>nft -f -</c>).</summary>
    public static void Nft(string ns, string script) => Run("ip", ["netns", "exec", ns, "nft", "-f", "-"], script);

    /// <summary>Deletes the nftables table <c>inet usock</c> in <paramref name="ns"/>, if there is one.</summary>
    public static void NftClear(string ns) => Run("ip", ["netns", "exec", ns, "nft", "flush", "ruleset"]);

    /// <summary>Packets counted by the <c>counter</c> statements of <paramref name="ns"/>'s rules.</summary>
    public static long NftPackets(string ns)
    {
        string listing = Run("ip", ["netns", "exec", ns, "nft", "list", "ruleset"]);
        return CounterPackets().Matches(listing).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Runs <c>tc</c> inside <paramref name="ns"/>.</summary>
    public static string Tc(string ns, params string[] args) => Run("ip", ["netns", "exec", ns, "tc", .. args]);

    /// <summary>Runs <c>ip</c>.</summary>
    public static string Ip(params string[] args) => Run("ip", args);

    public void Dispose()
    {
        foreach (string ns in new[] { A, B })
        {
            if (ns is not null && File.Exists(NamespaceFile(ns)))
            {
                TryRun("ip", ["netns", "del", ns]);
            }
        }
    }

    /// <summary>Runs a tool with a time limit; its standard output, or an exception with what it printed.</summary>
    public static string Run(string tool, string[] args, string? stdin = null)
    {
        (int code, string output, string error) = Exec(tool, args, stdin);
        if (code != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited {code}: {error.Trim()} {output.Trim()}");
        }

        return output;
    }

    private static void TryRun(string tool, string[] args)
    {
        try
        {
            Exec(tool, args, null);
        }
        catch (InvalidOperationException)
        {
            // cleanup is best effort; the next run sweeps what is left
        }
    }

    private static (int Code, string Output, string Error) Exec(string tool, string[] args, string? stdin)
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
        return (p.ExitCode, output.Result, error.Result);
    }

    /// <summary>The full path of a tool on PATH or in the sbin folders (a non-login root shell may lack them), or null.</summary>
    public static string? Which(string tool)
    {
        IEnumerable<string> dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        return dirs.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
    }

    private static string NamespaceFile(string ns) =>
        File.Exists(Path.Combine("/run/netns", ns)) ? Path.Combine("/run/netns", ns) : Path.Combine("/var/run/netns", ns);

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Network namespaces are Linux's.";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "Creating network namespaces needs root (CI runs .ci/run as root).";
        }

        foreach ((string tool, string package) in new[] { ("ip", "iproute2"), ("nft", "nftables"), ("tc", "iproute2") })
        {
            if (Which(tool) is null)
            {
                return $"'{tool}' is not installed (apt-get install {package}).";
            }
        }

        SweepStale();
        try
        {
            using var probe = new Netns("probe");
            Nft(probe.B, "table inet usock {\n chain input {\n  type filter hook input priority 0; policy accept;\n }\n}\n");
            USocket s = Socket(probe.A);
            s.Close();
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or UsocketException)
        {
            return $"Cannot make network namespaces here: {e.Message}";
        }
    }

    // Namespaces named by a test process that is no longer running.
    private static void SweepStale()
    {
        string list;
        try
        {
            list = Run("ip", ["netns", "list"]);
        }
        catch (InvalidOperationException)
        {
            return;
        }

        foreach (Match m in StaleName().Matches(list))
        {
            if (!Directory.Exists($"/proc/{m.Groups[2].Value}"))
            {
                TryRun("ip", ["netns", "del", m.Groups[1].Value]);
            }
        }
    }

    [GeneratedRegex(@"^(usock-(\d+)-\S+)", RegexOptions.Multiline)]
    private static partial Regex StaleName();

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterPackets();

    // DllImport, not LibraryImport: the generated marshalling would need unsafe code in the test project, and
    // two ints need no marshalling.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetNs(int fd, int nstype);
#pragma warning restore SYSLIB1054
}
