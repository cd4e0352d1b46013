using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Usock.Platform;

/// <summary>
/// Linux's sock_diag over netlink, asked about exactly one connection (by its four addresses and ports, not a dump of the
/// table): the kernel looks it up in its hash, so the answer costs the same with 10 or 10,000 sockets open. Used for
/// the one state TCP_INFO cannot tell: a socket still open whose connection went on to TIME_WAIT.
/// </summary>
internal static unsafe partial class SockDiag
{
    private const int AF_NETLINK = 16;
    private const int SOCK_DGRAM = 2;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int NETLINK_SOCK_DIAG = 4;
    private const ushort SOCK_DIAG_BY_FAMILY = 20;
    private const ushort NLM_F_REQUEST = 1;
    private const ushort NLMSG_ERROR = 2;
    private const int MSG_DONTWAIT = 0x40;
    private const int RequestLength = 16 + 56; // nlmsghdr + inet_diag_req_v2

    private static readonly Lock s_lock = new();
    private static FdHandle? s_socket;
    private static uint s_sequence;

    /// <summary>The kernel's TCP state (Linux numbering) of the connection between the two endpoints; null if it has
    /// none (closed, or not found).</summary>
    public static int? LinuxTcpState(IPEndPoint local, IPEndPoint remote)
    {
        if (!OperatingSystem.IsLinux() || local.AddressFamily != remote.AddressFamily)
        {
            return null;
        }

        Span<byte> request = stackalloc byte[RequestLength];
        request.Clear();
        Span<byte> reply = stackalloc byte[1024];
        lock (s_lock)
        {
            if (s_socket is null)
            {
                FdHandle fd = SocketNative(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
                if (fd.IsInvalid)
                {
                    fd.Dispose();
                    return null;
                }

                s_socket = fd;
            }

            uint sequence = ++s_sequence;
            BinaryPrimitives.WriteUInt32LittleEndian(request, RequestLength);
            BinaryPrimitives.WriteUInt16LittleEndian(request[4..], SOCK_DIAG_BY_FAMILY);
            BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NLM_F_REQUEST);
            BinaryPrimitives.WriteUInt32LittleEndian(request[8..], sequence);
            Span<byte> req = request[16..];
            req[0] = (byte)(local.AddressFamily == AddressFamily.InterNetworkV6 ? 10 : 2);
            req[1] = (byte)ProtocolType.Tcp;
            BinaryPrimitives.WriteUInt32LittleEndian(req[4..], 0xFFFFFFFF); // every state
            Span<byte> id = req[8..];
            BinaryPrimitives.WriteUInt16BigEndian(id, (ushort)local.Port);
            BinaryPrimitives.WriteUInt16BigEndian(id[2..], (ushort)remote.Port);
            local.Address.TryWriteBytes(id[4..20], out _);
            remote.Address.TryWriteBytes(id[20..36], out _);
            BinaryPrimitives.WriteUInt32LittleEndian(id[40..], 0xFFFFFFFF); // INET_DIAG_NOCOOKIE
            BinaryPrimitives.WriteUInt32LittleEndian(id[44..], 0xFFFFFFFF);

            Span<byte> kernel = stackalloc byte[12];
            kernel.Clear();
            kernel[0] = AF_NETLINK;
            nint n;
            fixed (byte* r = request)
            fixed (byte* k = kernel)
            {
                n = SendToNative(s_socket, r, RequestLength, 0, k, kernel.Length);
            }

            if (n != RequestLength)
            {
                return null;
            }

            // The kernel answers within the send: the reply is queued by now (never wait for it).
            while (true)
            {
                fixed (byte* p = reply)
                {
                    n = RecvNative(s_socket, p, reply.Length, MSG_DONTWAIT);
                }

                if (n < 16)
                {
                    return null;
                }

                uint length = BinaryPrimitives.ReadUInt32LittleEndian(reply);
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]);
                uint seq = BinaryPrimitives.ReadUInt32LittleEndian(reply[8..]);
                if (seq != sequence)
                {
                    continue; // a late answer to an earlier question
                }

                if (type == NLMSG_ERROR || length < 18 || n < 18)
                {
                    return null; // ENOENT: no such connection
                }

                return reply[17]; // inet_diag_msg.idiag_state
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial FdHandle SocketNative(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static partial nint SendToNative(SafeHandle fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint RecvNative(SafeHandle fd, byte* buffer, nint length, int flags);
}
