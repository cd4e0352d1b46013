namespace Usock;

public sealed partial class USocket
{
    // The one place that makes a UsocketException for a socket, applying the profile's numbers.
    private UsocketException Error(int errno, string? detail = null)
    {
        if (_core.IsClosed)
        {
            errno = Errno.EBADF; // closed under a running call: whatever the OS said, the socket is gone
        }
        else if (errno == Errno.ECONNREFUSED && Profile == UsocketProfile.QuecPython)
        {
            errno = Errno.ECONNRESET; // lwIP reports a refused connection as a reset
        }
        else if (errno is Errno.EAI_NONAME or Errno.EAI_AGAIN && Profile == UsocketProfile.QuecPython)
        {
            errno = Errno.LWIP_EAI_FAIL;
        }
        else if (errno == Errno.EPIPE && Profile == UsocketProfile.QuecPython && _core.IsStream && _core.State is ConnectState.Idle or ConnectState.Listening)
        {
            errno = Errno.ENOTCONN; // lwIP: sending on a TCP socket that never connected is ERR_CONN
        }

        return new UsocketException(errno, detail);
    }

    private static UsocketException LookupError(ResolveStatus status, UsocketProfile profile, string host)
    {
        int errno = profile == UsocketProfile.QuecPython ? Errno.LWIP_EAI_FAIL
            : status == ResolveStatus.TryAgain ? Errno.EAI_AGAIN
            : Errno.EAI_NONAME;
        return new UsocketException(errno, $"cannot resolve '{host}'");
    }
}
