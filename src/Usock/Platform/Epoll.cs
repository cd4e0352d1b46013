using System.Runtime.InteropServices;

namespace Usock.Platform;

/// <summary>
/// Linux's epoll, for <see cref="Poller"/>: one kernel object holds the interest set, so a poll over thousands of
/// registered sockets costs what the ready ones cost. Returns errno values, as the rest of the OS layer.
/// </summary>
internal sealed unsafe partial class Epoll : IDisposable
{
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;

    private const int EPOLL_CTL_ADD = 1;
    private const int EPOLL_CTL_DEL = 2;
    private const int EPOLL_CTL_MOD = 3;
    private const int EPOLL_CLOEXEC = 0x80000;
    private const int EINTR = 4;

    // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).
    private static readonly int Stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly int _fd;
    private byte[] _events = new byte[64 * 16];

    private Epoll(int fd) => _fd = fd;

    public static bool IsSupported => OperatingSystem.IsLinux() || OperatingSystem.IsAndroid();

    public static int Create(out Epoll? epoll)
    {
        int fd = EpollCreate1(EPOLL_CLOEXEC);
        if (fd < 0)
        {
            epoll = null;
            return Marshal.GetLastPInvokeError();
        }

        epoll = new Epoll(fd);
        return 0;
    }

    public int Add(int fd, uint events) => Control(EPOLL_CTL_ADD, fd, events);

    public int Modify(int fd, uint events) => Control(EPOLL_CTL_MOD, fd, events);

    public int Remove(int fd) => Control(EPOLL_CTL_DEL, fd, 0);

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: forever) for at most <paramref name="capacity"/> events;
    /// <paramref name="count"/> of them are then read with <see cref="Event"/>. Returns 0 or an errno; an interrupted
    /// wait returns 0 with nothing ready.</summary>
    public int Wait(int capacity, int timeoutMs, out int count)
    {
        capacity = Math.Max(capacity, 1);
        if (_events.Length < capacity * Stride)
        {
            _events = new byte[capacity * Stride];
        }

        fixed (byte* p = _events)
        {
            count = EpollWait(_fd, p, capacity, timeoutMs);
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
    public (int Fd, uint Events) Event(int i)
    {
        int at = i * Stride;
        return ((int)BitConverter.ToUInt64(_events, at + DataOffset), BitConverter.ToUInt32(_events, at));
    }

    public void Dispose() => CloseNative(_fd);

    private int Control(int op, int fd, uint events)
    {
        byte* ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear();
        *(uint*)ev = events;
        *(ulong*)(ev + DataOffset) = (ulong)fd;
        return EpollCtl(_fd, op, fd, ev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);
}
