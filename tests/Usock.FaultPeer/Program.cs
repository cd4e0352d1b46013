using System.Globalization;
using System.Runtime.InteropServices;
using Usock;

namespace Usock.FaultPeer;

/// <summary>
/// A child process for the fault tests, for what must not happen inside the test process:
/// <list type="bullet">
/// <item><c>emfile</c>: lowers this process's descriptor limit (RLIMIT_NOFILE), runs Usock out of descriptors,
/// and checks that it recovers; prints <c>key=value</c> lines and exits 0, or prints <c>error=...</c> and exits 1.</item>
/// <item><c>sendpeer HOST PORT</c>: connects and sends until the connection fails, then prints the errno of that
/// send and of one more (a SIGPIPE would kill the process instead: the test checks that it exited 0).</item>
/// <item><c>unprivileged</c>: gives up root (uid and gid 65534), then prints the errno of a raw socket (EPERM) and of
/// a bind to port 80 (EACCES).</item>
/// <item><c>lookup NAME SECONDS</c>: a <c>Connect</c> and then a <c>ConnectAsync</c> to NAME:80 with that timeout, each
/// printing the errno it raised and the milliseconds it took (run inside a network namespace whose DNS server never
/// answers: the lookup must end at the call's deadline).</item>
/// <item><c>hold HOST PORT</c>: connects, prints <c>connected</c>, reads nothing and waits to be killed (it exits by
/// itself after two minutes, so it never outlives a test that died).</item>
/// </list>
/// </summary>
internal static unsafe partial class Program
{
    private const int RLIMIT_NOFILE = 7;

    private static int Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["emfile"] => Emfile(),
                ["unprivileged"] => Unprivileged(),
                ["lookup", string name, string seconds] => Lookup(name, double.Parse(seconds, CultureInfo.InvariantCulture)),
                ["hold", string host, string port] => Hold(host, int.Parse(port, CultureInfo.InvariantCulture)),
                ["sendpeer", string host, string port] => SendPeer(host, int.Parse(port, CultureInfo.InvariantCulture)),
                _ => Usage(),
            };
        }
        catch (Exception e)
        {
            Console.WriteLine($"error={e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Usock.FaultPeer emfile | unprivileged | lookup NAME SECONDS | hold HOST PORT | sendpeer HOST PORT");
        return 2;
    }

    private static int Lookup(string name, double seconds)
    {
        foreach (string how in new[] { "sync", "async" })
        {
            using var s = new USocket();
            s.SetTimeout(seconds);
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            int errno = 0;
            try
            {
                if (how == "sync")
                {
                    s.Connect((name, 80));
                }
                else
                {
                    s.ConnectAsync((name, 80)).AsTask().GetAwaiter().GetResult();
                }
            }
            catch (UsocketException e)
            {
                errno = e.Errno;
            }

            Console.WriteLine($"{how}_errno={errno}");
            Console.WriteLine($"{how}_ms={(long)System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds}");
        }

        return 0;
    }

    private static int Unprivileged()
    {
        const int Nobody = 65534;
        Check(SetGroups(0, null), "setgroups");
        Check(SetGid(Nobody), "setgid");
        Check(SetUid(Nobody), "setuid");
        Console.WriteLine($"uid={GetUid()}");
        Console.WriteLine($"raw={ErrnoOf(() => new USocket(USocket.AF_INET, USocket.SOCK_RAW, 1).Close())}");
        using var s = new USocket();
        Console.WriteLine($"bind80={ErrnoOf(() => s.Bind(("127.0.0.1", 80)))}");
        s.Bind(("127.0.0.1", 0));
        Console.WriteLine("bind0=0");
        return 0;
    }

    private static string ErrnoOf(Action action)
    {
        try
        {
            action();
            return "0";
        }
        catch (UsocketException e)
        {
            return e.Errno.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static int Hold(string host, int port)
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM);
        s.Connect((host, port));
        Console.WriteLine("connected");
        Thread.Sleep(TimeSpan.FromMinutes(2));
        return 0;
    }

    private static int SendPeer(string host, int port)
    {
        using var s = new USocket(USocket.AF_INET, USocket.SOCK_STREAM);
        s.SetTimeout(30);
        s.Connect((host, port));
        Console.WriteLine("connected");
        var chunk = new byte[64 * 1024];
        long sent = 0;
        int first = 0;
        while (first == 0 && sent < 1L << 34)
        {
            first = Errno(() => s.SendAll(chunk));
            sent += first == 0 ? chunk.Length : 0;
        }

        Print("sent", sent);
        Print("send_errno", first);
        Print("again_errno", Errno(() => s.Send(chunk)));
        Print("native", Environment.GetEnvironmentVariable("USOCK_NATIVE") ?? "");
        Print("alive", true);
        return 0;
    }

    private static int Emfile()
    {
        WarmUp();
        int baseline = OpenDescriptors();
        RLimit old;
        Check(GetRLimit(RLIMIT_NOFILE, &old), "getrlimit");

        // A listener, and a client whose connection waits in the accept queue, made while descriptors remain.
        var listener = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        listener.Bind(("127.0.0.1", 0));
        listener.Listen(4);
        var client = new USocket();
        client.Connect(listener.GetSockName());

        // Leave room for a few dozen more descriptors, then take them all.
        var limited = new RLimit { Cur = (ulong)OpenDescriptors() + 32, Max = old.Max };
        Check(SetRLimit(RLIMIT_NOFILE, &limited), "setrlimit");
        Print("limit", limited.Cur);

        var fillers = new List<USocket>();
        int createErrno = 0;
        while (fillers.Count < 10_000)
        {
            try
            {
                fillers.Add(new USocket());
            }
            catch (UsocketException e)
            {
                createErrno = e.Errno;
                Print("create_message", e.Message);
                break;
            }
        }

        Print("create_errno", createErrno);
        Print("opened", fillers.Count);
        Print("udp_errno", Errno(() => new USocket(USocket.AF_INET, USocket.SOCK_DGRAM).Close()));
        Print("tcp6_errno", Errno(() => new USocket(USocket.AF_INET6, USocket.SOCK_STREAM).Close()));

        // accept() needs a descriptor for the new connection: it fails, and the connection stays queued.
        listener.SetTimeout(5);
        Print("accept_errno", Errno(() => listener.Accept().Conn.Close()));

        // One descriptor back: the queued connection is accepted and carries data both ways.
        fillers[^1].Close();
        fillers.RemoveAt(fillers.Count - 1);
        (USocket conn, _, _) = listener.Accept();
        conn.SetTimeout(5);
        client.SetTimeout(5);
        client.SendAll("ping\n");
        byte[]? line = conn.ReadLine();
        conn.SendAll("pong\n");
        byte[]? reply = client.ReadLine();
        Print("accept_after_close", line is not null && line.AsSpan().SequenceEqual("ping\n"u8) && reply is not null && reply.AsSpan().SequenceEqual("pong\n"u8));
        conn.Close();

        // Everything back: as many new sockets as the limit allows again, then all closed.
        foreach (USocket f in fillers)
        {
            f.Close();
        }

        fillers.Clear();
        int reopened = 0;
        while (reopened < 10_000)
        {
            try
            {
                fillers.Add(new USocket());
                reopened++;
            }
            catch (UsocketException)
            {
                break;
            }
        }

        Print("reopened", reopened);
        foreach (USocket f in fillers)
        {
            f.Close();
        }

        client.Close();
        listener.Close();
        Check(SetRLimit(RLIMIT_NOFILE, &old), "setrlimit (restore)");
        Print("leaked", OpenDescriptors() - baseline);
        Print("done", true);
        return 0;
    }

    // Loads and runs every path the test takes (exceptions included) before descriptors run out: loading code
    // needs descriptors too.
    private static void WarmUp()
    {
        using var l = new USocket(USocket.AF_INET, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER);
        l.Bind(("127.0.0.1", 0));
        l.Listen(1);
        using var c = new USocket();
        c.Connect(l.GetSockName());
        l.SetTimeout(5);
        (USocket conn, _, _) = l.Accept();
        conn.SetTimeout(5);
        c.SetTimeout(5);
        c.SendAll("x\n");
        _ = conn.ReadLine();
        conn.Close();
        using var refused = new USocket();
        _ = Errno(() => refused.Connect(("127.0.0.1", 1)));
        _ = Errno(() => new USocket(99).Close());
        Print("warm", true);
    }

    private static int Errno(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (UsocketException e)
        {
            return e.Errno;
        }
    }

    private static int OpenDescriptors() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    private static void Print<T>(string key, T value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={value}"));

    private static void Check(int rc, string call)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Cur;
        public ulong Max;
    }

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    private static partial int SetGroups(nuint size, uint* list);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, RLimit* limit);
}
