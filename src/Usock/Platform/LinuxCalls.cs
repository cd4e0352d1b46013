using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Usock.Platform;

/// <summary>
/// The thin path to the OS for the hot calls on Linux: <c>recv</c>, <c>send</c>, <c>recvfrom</c>, <c>sendto</c> and <c>poll</c> straight from libc on
/// the socket's handle, skipping the bookkeeping of .NET's <see cref="Socket"/> methods. Linux's errno values are
/// Usock's, so errors pass through unchanged. <c>USOCK_NATIVE=0</c> in the environment turns it off (the benchmarks
/// compare both paths); other hosts use the portable path in <see cref="SocketPal"/>.
/// </summary>
internal static unsafe partial class LinuxCalls
{
    public static readonly bool IsEnabled = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("USOCK_NATIVE") != "0";

    private const int EINTR = 4;
    private const int MSG_NOSIGNAL = 0x4000;
    private const short POLLIN = 0x1;
    private const short POLLOUT = 0x4;
    private const short POLLNVAL = 0x20;

    public static int Receive(Socket s, Span<byte> buffer, out int received)
    {
        received = 0;
        using var fd = new Lease(s);
        if (!fd.Held)
        {
            return Errno.EBADF;
        }

        fixed (byte* p = buffer)
        {
            nint n;
            while ((n = Recv(fd.Value, p, buffer.Length, 0)) < 0 && Marshal.GetLastPInvokeError() == EINTR)
            {
            }

            if (n > 0)
            {
                received = (int)n;
                return 0;
            }

            // Close on another thread shuts the socket down to wake us: that reads as EBADF, not end of stream.
            return fd.Closed ? Errno.EBADF : n == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    public static int Send(Socket s, ReadOnlySpan<byte> buffer, out int sent)
    {
        sent = 0;
        using var fd = new Lease(s);
        if (!fd.Held)
        {
            return Errno.EBADF;
        }

        fixed (byte* p = buffer)
        {
            nint n;
            while ((n = SendNative(fd.Value, p, buffer.Length, MSG_NOSIGNAL)) < 0 && Marshal.GetLastPInvokeError() == EINTR)
            {
            }

            if (n >= 0)
            {
                sent = (int)n;
                return 0;
            }

            return fd.Closed ? Errno.EBADF : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>A datagram and its sender, into <paramref name="from"/> (its buffer holds a native sockaddr on Linux).</summary>
    public static int ReceiveFrom(Socket s, Span<byte> buffer, SocketAddress from, out int received)
    {
        received = 0;
        using var fd = new Lease(s);
        if (!fd.Held)
        {
            return Errno.EBADF;
        }

        Span<byte> address = from.Buffer.Span;
        fixed (byte* p = buffer)
        fixed (byte* a = address)
        {
            nint n;
            int length;
            do
            {
                length = address.Length;
                n = RecvFromNative(fd.Value, p, buffer.Length, 0, a, &length);
            }
            while (n < 0 && Marshal.GetLastPInvokeError() == EINTR);

            if (n >= 0 && !fd.Closed)
            {
                received = (int)n;
                from.Size = length;
                return 0;
            }

            return fd.Closed ? Errno.EBADF : Marshal.GetLastPInvokeError();
        }
    }

    public static int SendTo(Socket s, ReadOnlySpan<byte> buffer, SocketAddress to, out int sent)
    {
        sent = 0;
        using var fd = new Lease(s);
        if (!fd.Held)
        {
            return Errno.EBADF;
        }

        fixed (byte* p = buffer)
        fixed (byte* a = to.Buffer.Span)
        {
            nint n;
            while ((n = SendToNative(fd.Value, p, buffer.Length, MSG_NOSIGNAL, a, to.Size)) < 0 && Marshal.GetLastPInvokeError() == EINTR)
            {
            }

            if (n >= 0)
            {
                sent = (int)n;
                return 0;
            }

            return fd.Closed ? Errno.EBADF : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Waits for readability or writability; errors and hang-ups count as ready (the next call reports them).</summary>
    public static int Poll(Socket s, int timeoutMs, SelectMode mode, out bool ready)
    {
        ready = false;
        using var fd = new Lease(s);
        if (!fd.Held)
        {
            return Errno.EBADF;
        }

        var pfd = new PollFd { Fd = fd.Value, Events = mode == SelectMode.SelectWrite ? POLLOUT : POLLIN };
        int r = PollNative(&pfd, 1, timeoutMs);
        if (r < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == EINTR ? 0 : errno; // interrupted: not ready; the caller's deadline loop polls again
        }

        if (fd.Closed || (pfd.Revents & POLLNVAL) != 0)
        {
            return Errno.EBADF;
        }

        ready = r > 0;
        return 0;
    }

    /// <summary>
    /// The socket's descriptor, kept open for the length of one call: a Close on another thread waits for the release
    /// (after shutting the socket down to wake the call), so the number is never reused under us.
    /// </summary>
    private ref struct Lease
    {
        private readonly SafeSocketHandle? _handle;

        public Lease(Socket s)
        {
            try
            {
                SafeSocketHandle h = s.SafeHandle;
                bool added = false;
                h.DangerousAddRef(ref added);
                _handle = added ? h : null;
                Value = added ? (int)h.DangerousGetHandle() : -1;
            }
            catch (ObjectDisposedException)
            {
                _handle = null;
                Value = -1;
            }
        }

        public readonly int Value { get; }

        public readonly bool Held => _handle is not null;

        public readonly bool Closed => _handle is null || _handle.IsClosed;

        public readonly void Dispose() => _handle?.DangerousRelease();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendNative(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    private static partial nint RecvFromNative(int fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendToNative(int fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollNative(PollFd* fds, nuint count, int timeoutMs);
}
