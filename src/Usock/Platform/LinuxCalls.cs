using System.Runtime.InteropServices;

namespace Usock.Platform;

/// <summary>
/// The thin path to the OS for the hot calls on Linux: <c>recv</c>, <c>send</c>, <c>recvfrom</c>, <c>sendto</c>, <c>accept4</c>,
/// <c>getsockname</c> and <c>poll</c> straight from libc on the socket's handle, skipping the bookkeeping of .NET's
/// <see cref="Socket"/> methods. The imports take the <see cref="SafeSocketHandle"/> itself, so the marshaller holds a
/// reference for the length of the call and the descriptor number cannot be reused under it. Linux's errno values are
/// Usock's, so errors pass through unchanged. <c>USOCK_NATIVE=0</c> in the environment turns it off (CI runs the suite
/// both ways; the benchmarks compare both paths); other hosts use the portable path in <see cref="SocketPal"/>.
/// </summary>
internal static unsafe partial class LinuxCalls
{
    public static readonly bool IsEnabled = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("USOCK_NATIVE") != "0";

    /// <summary>recv/send flag: this call does not wait, whatever the descriptor's mode (used by the async members).</summary>
    public const int MSG_DONTWAIT = 0x40;

    private const int EINTR = 4;
    private const int MSG_NOSIGNAL = 0x4000;
    private const short POLLIN = 0x1;
    private const short POLLOUT = 0x4;
    private const short POLLNVAL = 0x20;

    public static int Receive(SafeSocketHandle h, Span<byte> buffer, int flags, out int received)
    {
        received = 0;
        try
        {
            fixed (byte* p = buffer)
            {
                nint n;
                while ((n = Recv(h, p, buffer.Length, flags)) < 0 && Marshal.GetLastPInvokeError() == EINTR)
                {
                }

                if (n >= 0)
                {
                    received = (int)n;
                    return 0;
                }

                return Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int Send(SafeSocketHandle h, ReadOnlySpan<byte> buffer, int flags, out int sent)
    {
        sent = 0;
        try
        {
            fixed (byte* p = buffer)
            {
                nint n;
                while ((n = SendNative(h, p, buffer.Length, flags | MSG_NOSIGNAL)) < 0 && Marshal.GetLastPInvokeError() == EINTR)
                {
                }

                if (n >= 0)
                {
                    sent = (int)n;
                    return 0;
                }

                return Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    /// <summary>A datagram and its sender, as a native sockaddr in <paramref name="address"/> (<paramref name="addressLength"/> bytes).</summary>
    public static int ReceiveFrom(SafeSocketHandle h, Span<byte> buffer, int flags, Span<byte> address, out int received, out int addressLength)
    {
        received = 0;
        addressLength = 0;
        try
        {
            fixed (byte* p = buffer)
            fixed (byte* a = address)
            {
                nint n;
                int length;
                do
                {
                    length = address.Length;
                    n = RecvFromNative(h, p, buffer.Length, flags, a, &length);
                }
                while (n < 0 && Marshal.GetLastPInvokeError() == EINTR);

                if (n >= 0)
                {
                    received = (int)n;
                    addressLength = Math.Min(length, address.Length);
                    return 0;
                }

                return Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    public static int SendTo(SafeSocketHandle h, ReadOnlySpan<byte> buffer, int flags, ReadOnlySpan<byte> address, out int sent)
    {
        sent = 0;
        try
        {
            fixed (byte* p = buffer)
            fixed (byte* a = address)
            {
                nint n;
                while ((n = SendToNative(h, p, buffer.Length, flags | MSG_NOSIGNAL, a, address.Length)) < 0 && Marshal.GetLastPInvokeError() == EINTR)
                {
                }

                if (n >= 0)
                {
                    sent = (int)n;
                    return 0;
                }

                return Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    /// <summary>The kernel's local address of the socket, as a native sockaddr: right even while a connect is in progress.</summary>
    public static int GetSockName(SafeSocketHandle h, Span<byte> address, out int addressLength)
    {
        addressLength = 0;
        try
        {
            fixed (byte* a = address)
            {
                int length = address.Length;
                if (GetSockNameNative(h, a, &length) != 0)
                {
                    return Marshal.GetLastPInvokeError();
                }

                addressLength = Math.Min(length, address.Length);
                return 0;
            }
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
    }

    /// <summary>Waits for readability or writability; errors and hang-ups count as ready (the next call reports them).</summary>
    public static int Poll(SafeSocketHandle h, int timeoutMs, SelectMode mode, out bool ready)
    {
        ready = false;
        bool added = false;
        try
        {
            h.DangerousAddRef(ref added);
            var pfd = new PollFd { Fd = (int)h.DangerousGetHandle(), Events = mode == SelectMode.SelectWrite ? POLLOUT : POLLIN };
            int r = PollNative(&pfd, 1, timeoutMs);
            if (r < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == EINTR ? 0 : errno; // interrupted: not ready; the caller's deadline loop polls again
            }

            if ((pfd.Revents & POLLNVAL) != 0)
            {
                return Errno.EBADF;
            }

            ready = r > 0;
            return 0;
        }
        catch (ObjectDisposedException)
        {
            return Errno.EBADF;
        }
        finally
        {
            if (added)
            {
                h.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(SafeSocketHandle fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint SendNative(SafeSocketHandle fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    private static partial nint RecvFromNative(SafeSocketHandle fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendToNative(SafeSocketHandle fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    private static partial int GetSockNameNative(SafeSocketHandle fd, byte* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollNative(PollFd* fds, nuint count, int timeoutMs);
}
