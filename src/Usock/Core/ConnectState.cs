namespace Usock.Core;

/// <summary>
/// Where a socket is on its way to a connection (or a listener). One field, moved only by the named transitions on
/// <see cref="SocketCore"/>; the profiles read it to decide what a second <c>Connect</c> raises.
/// </summary>
internal enum ConnectState
{
    /// <summary>No connect was attempted (or a POSIX-profile retry renewed the handle).</summary>
    Idle,

    /// <summary>A connect started and has not finished (EINPROGRESS, a timeout, a cancelled async connect).</summary>
    Connecting,

    /// <summary>Connected.</summary>
    Connected,

    /// <summary>A connect (or, on the device, its name lookup) failed.</summary>
    Failed,

    /// <summary>Listening for connections.</summary>
    Listening,
}
