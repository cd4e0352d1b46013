using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Usock.Platform;

/// <summary>A plain descriptor this library owns (an epoll set, an eventfd, a netlink socket): closed once, when released.</summary>
internal sealed partial class FdHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FdHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => CloseNative((int)handle) == 0;

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);
}
