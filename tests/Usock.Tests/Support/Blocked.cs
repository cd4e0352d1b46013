using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>
/// A call run on a dedicated thread, so a test can PROVE that it is blocked in the kernel (from
/// <c>/proc/self/task/TID/syscall</c>) before acting on it, and can measure how long after an action it woke up.
/// </summary>
public sealed class BlockedCall
{
    private readonly TaskCompletionSource<object?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _endedAt;

    private BlockedCall(Func<object?> call, string name)
    {
        Name = name;
        using var started = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            Tid = Blocked.CurrentTid();
            started.Set();
            try
            {
                object? result = call();
                Interlocked.Exchange(ref _endedAt, Stopwatch.GetTimestamp());
                _done.TrySetResult(result);
            }
            catch (Exception e)
            {
                Interlocked.Exchange(ref _endedAt, Stopwatch.GetTimestamp());
                _done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "blocked " + name,
        };
        thread.Start();
        Assert.True(started.Wait(TimeSpan.FromSeconds(Loopback.Patience)), "the call's thread never started");
    }

    /// <summary>The name given to the call, for messages.</summary>
    public string Name { get; }

    /// <summary>The kernel thread id of the thread making the call.</summary>
    public int Tid { get; private set; }

    /// <summary>Completes when the call returns (result) or throws (exception).</summary>
    public Task<object?> Task => _done.Task;

    /// <summary>What the call returned, once it has ended (its exception if it threw).</summary>
    public object? Returned => _done.Task.GetAwaiter().GetResult();

    /// <summary><see cref="Stopwatch"/> timestamp of the moment the call returned or threw (0 while it runs).</summary>
    public long EndedAt => Interlocked.Read(ref _endedAt);

    /// <summary>Starts <paramref name="call"/> on its own thread.</summary>
    public static BlockedCall Start(string name, Func<object?> call) => new(call, name);

    /// <summary>Starts <paramref name="call"/> on its own thread.</summary>
    public static BlockedCall Start(string name, Action call) => new(() => { call(); return null; }, name);

    /// <summary>Waits (bounded) for the call to end and returns the exception it raised, failing if it returned.</summary>
    public Exception Raised(double seconds = Loopback.Patience)
    {
        Assert.True(((IAsyncResult)Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(seconds)), $"{Name} did not end within {seconds} s");
        Assert.True(Task.IsFaulted, $"{Name} returned instead of raising");
        return Task.Exception!.InnerException!;
    }

    /// <summary>Waits (bounded) for the call to return and returns its result, rethrowing what it raised.</summary>
    public object? Result(double seconds = Loopback.Patience)
    {
        try
        {
            Assert.True(Task.Wait(TimeSpan.FromSeconds(seconds)), $"{Name} did not end within {seconds} s");
        }
        catch (AggregateException e)
        {
            throw e.InnerException!;
        }

        return Task.Result;
    }

    /// <summary>Milliseconds from <paramref name="since"/> (a <see cref="Stopwatch"/> timestamp) to the call's end.</summary>
    public double MillisecondsSince(long since) => Stopwatch.GetElapsedTime(since, EndedAt).TotalMilliseconds;
}

/// <summary>
/// Proof that a thread waits in a system call on a given descriptor, read from <c>/proc/self/task/TID/syscall</c>
/// ("NR arg1 arg2 ..."; NR decimal, arguments hex). No sleeping and hoping: the test acts only after the kernel
/// shows the wait.
/// </summary>
public static class Blocked
{
    // x86_64 system call numbers.
    private const int Read = 0, Write = 1, Poll = 7, Select = 23, Connect = 42, Accept = 43, SendTo = 44, RecvFrom = 45;
    private const int SendMsg = 46, RecvMsg = 47, EpollWait = 232, PSelect6 = 270, PPoll = 271, EpollPWait = 281, Accept4 = 288;
    private const int EpollPWait2 = 441;

    /// <summary>True where the kernel shows a thread's current system call (Linux on x86_64).</summary>
    public static bool Supported =>
        OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            == System.Runtime.InteropServices.Architecture.X64 && File.Exists("/proc/thread-self/syscall");

    /// <summary>Skips the test where a blocked call cannot be proven.</summary>
    public static void SkipUnlessSupported() =>
        Assert.SkipUnless(Supported, "Proving a call is blocked reads /proc/self/task/*/syscall (Linux, x86_64).");

    /// <summary>The calling thread's kernel thread id.</summary>
    public static int CurrentTid()
    {
        string? target = new DirectoryInfo("/proc/thread-self").LinkTarget; // "PID/task/TID"
        return target is null ? 0 : int.Parse(Path.GetFileName(target), CultureInfo.InvariantCulture);
    }

    /// <summary>The descriptor number of a socket (the kernel's, for matching system calls).</summary>
    public static int Fd(USocket s) => (int)s.RawSocket!.SafeHandle.DangerousGetHandle();

    /// <summary>
    /// Waits (at most <paramref name="seconds"/>) until the call's thread is in a system call that waits on
    /// <paramref name="s"/>'s descriptor: recv/send/accept/connect/read/write on it, poll/ppoll/select with it in
    /// the set, or epoll_wait on an epoll instance that watches it. Fails if the call ends first or never blocks.
    /// </summary>
    public static void On(BlockedCall call, USocket s, double seconds = 5) => OnFd(call, Fd(s), seconds);

    /// <summary>As <see cref="On"/>, for a descriptor number.</summary>
    public static void OnFd(BlockedCall call, int fd, double seconds = 5)
    {
        var sw = Stopwatch.StartNew();
        string last = "";
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            if (call.Task.IsCompleted)
            {
                Assert.Fail($"{call.Name} ended instead of blocking: {(call.Task.IsFaulted ? call.Task.Exception!.InnerException : "returned " + call.Task.Result)}");
            }

            last = Syscall(call.Tid) ?? "gone";
            if (WaitsOn(last, fd))
            {
                return;
            }

            Thread.Yield();
        }

        Assert.Fail($"{call.Name} (tid {call.Tid}) was never seen blocked on fd {fd}; last syscall line: {last}");
    }

    /// <summary>Waits until the call's thread is in poll/ppoll/select/epoll_wait (any descriptor): a poller waiting.</summary>
    public static void InPoll(BlockedCall call, double seconds = 5)
    {
        var sw = Stopwatch.StartNew();
        string last = "";
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            if (call.Task.IsCompleted)
            {
                Assert.Fail($"{call.Name} ended instead of blocking: {(call.Task.IsFaulted ? call.Task.Exception!.InnerException : "returned")}");
            }

            last = Syscall(call.Tid) ?? "gone";
            if (Parse(last) is { } p && p.Nr is Poll or PPoll or Select or PSelect6 or EpollWait or EpollPWait or EpollPWait2)
            {
                return;
            }

            Thread.Yield();
        }

        Assert.Fail($"{call.Name} (tid {call.Tid}) was never seen in a poll; last syscall line: {last}");
    }

    /// <summary>True if the thread is (at this instant) in a system call waiting on <paramref name="fd"/>.</summary>
    public static bool IsOn(BlockedCall call, int fd) => WaitsOn(Syscall(call.Tid) ?? "", fd);

    private static string? Syscall(int tid)
    {
        try
        {
            return File.ReadAllText($"/proc/self/task/{tid}/syscall").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (int Nr, ulong[] Args)? Parse(string line)
    {
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int nr) || nr < 0)
        {
            return null; // "running", "-1 ..." (not in a system call)
        }

        var args = new ulong[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
        {
            args[i - 1] = ulong.Parse(parts[i].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return (nr, args);
    }

    private static bool WaitsOn(string line, int fd)
    {
        if (Parse(line) is not { } p)
        {
            return false;
        }

        ulong[] a = p.Args;
        return p.Nr switch
        {
            Read or Write or Connect or Accept or Accept4 or SendTo or RecvFrom or SendMsg or RecvMsg => (int)a[0] == fd,
            Poll or PPoll => PollSetHas(a[0], a[1], fd),
            Select or PSelect6 => SelectSetHas((int)a[0], a[1], a[2], fd),
            EpollWait or EpollPWait or EpollPWait2 => EpollWatches((int)a[0], fd),
            _ => false,
        };
    }

    /// <summary>Reads the pollfd array (int fd; short events; short revents) from our own memory via /proc/self/mem.</summary>
    private static bool PollSetHas(ulong address, ulong count, int fd)
    {
        if (count is 0 or > 4096)
        {
            return false;
        }

        byte[]? bytes = ReadMemory(address, (int)count * 8);
        if (bytes is null)
        {
            return false;
        }

        for (int i = 0; i < (int)count; i++)
        {
            if (BitConverter.ToInt32(bytes, i * 8) == fd)
            {
                return true;
            }
        }

        return false;
    }

    private static bool SelectSetHas(int nfds, ulong readSet, ulong writeSet, int fd)
    {
        if (fd >= nfds)
        {
            return false;
        }

        foreach (ulong set in new[] { readSet, writeSet })
        {
            if (set != 0 && ReadMemory(set + (ulong)(fd / 8), 1) is { } b && (b[0] & (1 << (fd % 8))) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True if epoll instance <paramref name="epfd"/> watches <paramref name="fd"/> (its fdinfo lists "tfd: FD").</summary>
    private static bool EpollWatches(int epfd, int fd)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/self/fdinfo/{epfd}"))
            {
                string[] f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 2 && f[0] == "tfd:" && f[1] == fd.ToString(CultureInfo.InvariantCulture))
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }

    private static byte[]? ReadMemory(ulong address, int length)
    {
        try
        {
            using var mem = new FileStream("/proc/self/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            mem.Seek((long)address, SeekOrigin.Begin);
            var buffer = new byte[length];
            mem.ReadExactly(buffer);
            return buffer;
        }
        catch (IOException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
