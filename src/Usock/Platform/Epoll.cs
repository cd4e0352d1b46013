using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Usock.Platform;

/// <summary>
/// Linux's epoll, for <see cref="Poller"/> and the async readiness engine: one kernel object holds the interest set, so
/// a wait over thousands of registered sockets costs what the ready ones cost. Each registration carries a token chosen
/// by the caller, never the descriptor number, so a number reused by a newer socket cannot be mistaken for the old one.
/// The epoll descriptor is a <see cref="SafeHandle"/>: disposing it while a wait is in progress closes it only when the
/// wait returns. An optional eventfd in the set lets another thread wake a wait. Returns errno values, as the rest of
/// the OS layer.
/// </summary>
internal sealed unsafe partial class Epoll : IDisposable
{
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 0x80000000;

    /// <summary>The token the wake-up eventfd reports with.</summary>
    public const ulong WakeToken = ulong.MaxValue;

    private const int EPOLL_CTL_ADD = 1;
    private const int EPOLL_CTL_DEL = 2;
    private const int EPOLL_CTL_MOD = 3;
    private const int EPOLL_CLOEXEC = 0x80000;
    private const int EFD_CLOEXEC = 0x80000;
    private const int EFD_NONBLOCK = 0x800;
    private const int EINTR = 4;

    // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).
    private static readonly int Stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly FdHandle _epfd;
    private FdHandle? _wake;
    private byte[] _events = new byte[64 * 16];

    private Epoll(FdHandle epfd) => _epfd = epfd;

    /// <summary>True on Linux, unless <c>USOCK_EPOLL=0</c> is in the environment: then <see cref="Poller"/> and the async
    /// members use the portable waits that other hosts use (CI runs the poller and async tests that way, so the
    /// fallback is reached).</summary>
    public static bool IsSupported { get; } =
        (OperatingSystem.IsLinux() || OperatingSystem.IsAndroid()) && Environment.GetEnvironmentVariable("USOCK_EPOLL") != "0";

    public static int Create(out Epoll? epoll)
    {
        FdHandle fd = EpollCreate1(EPOLL_CLOEXEC);
        if (fd.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            fd.Dispose();
            epoll = null;
            return errno;
        }

        epoll = new Epoll(fd);
        return 0;
    }

    /// <summary>Adds an eventfd to the set, so <see cref="Wake"/> from any thread ends a wait (reported with <see cref="WakeToken"/>).</summary>
    public int AddWake()
    {
        FdHandle wake = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            wake.Dispose();
            return errno;
        }

        _wake = wake;
        return Control(EPOLL_CTL_ADD, wake, EPOLLIN, WakeToken);
    }

    /// <summary>Ends a wait in progress on another thread (or the next one).</summary>
    public void Wake()
    {
        if (_wake is null)
        {
            return;
        }

        ulong one = 1;
        try
        {
            _ = WriteNative(_wake, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // disposed meanwhile: nobody is left to wake
        }
    }

    /// <summary>Takes the pending wake-ups, so the next wait blocks again.</summary>
    public void DrainWake()
    {
        if (_wake is null)
        {
            return;
        }

        ulong count;
        try
        {
            _ = ReadNative(_wake, &count, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public int Add(SafeHandle fd, uint events, ulong token) => Control(EPOLL_CTL_ADD, fd, events, token);

    public int Modify(SafeHandle fd, uint events, ulong token) => Control(EPOLL_CTL_MOD, fd, events, token);

    public int Remove(SafeHandle fd) => Control(EPOLL_CTL_DEL, fd, 0, 0);

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: forever) for at most <paramref name="capacity"/> events;
    /// <paramref name="count"/> of them are then read with <see cref="Event"/>. Returns 0 or an errno; an interrupted
    /// wait returns 0 with nothing ready.</summary>
    public int Wait(int capacity, int timeoutMs, out int count)
    {
        capacity = Math.Max(capacity, 1);
        if (_events.Length < capacity * Stride)
        {
            // Doubled, not fitted: a set that grows by one registration at a time must not copy its buffer every time.
            _events = new byte[Math.Max(capacity, 2 * (_events.Length / Stride)) * Stride];
        }

        try
        {
            fixed (byte* p = _events)
            {
                count = EpollWait(_epfd, p, capacity, timeoutMs);
            }
        }
        catch (ObjectDisposedException)
        {
            count = 0;
            return Errno.EBADF;
        }

        if (count >= 0)
        {
            return 0;
        }

        count = 0;
        int errno = Marshal.GetLastPInvokeError();
        return errno == EINTR ? 0 : errno;
    }

    /// <summary>The <paramref name="i"/>-th event of the last <see cref="Wait"/>.</summary>
    public (ulong Token, uint Events) Event(int i)
    {
        int at = i * Stride;
        return (BitConverter.ToUInt64(_events, at + DataOffset), BitConverter.ToUInt32(_events, at));
    }

    public void Dispose()
    {
        _epfd.Dispose();
        _wake?.Dispose();
    }

    private int Control(int op, SafeHandle fd, uint events, ulong token)
    {
        byte* ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear();
        *(uint*)ev = events;
        *(ulong*)(ev + DataOffset) = token;
        try
        {
            return EpollCtl(_epfd, op, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial FdHandle EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial FdHandle EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(SafeHandle epfd, int op, SafeHandle fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(SafeHandle epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(SafeHandle fd, void* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadNative(SafeHandle fd, void* buffer, nint count);
}
