namespace Usock.Core;

/// <summary>
/// The socket in the async engine: a non-blocking descriptor and one registration, made on the first async wait and
/// forgotten at close (or moved, under the same token, when the handle is renewed).
/// </summary>
internal sealed partial class SocketCore
{
    /// <summary>The async engine needs a non-blocking descriptor and a registration; both are made once.</summary>
    public int EnsureRegistered(ReadinessEngine engine)
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            lock (_lock)
            {
                if (_engineToken != 0)
                {
                    return 0;
                }

                int e = MakeNonBlockingLocked(s);
                if (e == 0)
                {
                    e = engine.Register(this, s, out _engineToken);
                }

                return e;
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>An async connect or accept needs the descriptor non-blocking; it stays so (the waits make it transparent).</summary>
    public int MakeNonBlocking()
    {
        if (!TryEnter(out Socket s))
        {
            return Errno.EBADF;
        }

        try
        {
            lock (_lock)
            {
                return MakeNonBlockingLocked(s);
            }
        }
        finally
        {
            Exit();
        }
    }

    private int MakeNonBlockingLocked(Socket s)
    {
        _stickyNonBlocking = true;
        if (_osNonBlocking)
        {
            return 0;
        }

        int e = SocketPal.SetBlocking(s, false);
        _osNonBlocking = e == 0;
        return e;
    }

    private void ForgetEngine(Socket s, bool keepToken = false)
    {
        if (_engineToken == 0 || ReadinessEngine.Shared is not ReadinessEngine engine)
        {
            return;
        }

        engine.Remove(s); // while the handle is still ours: its number cannot name another socket yet
        if (!keepToken)
        {
            engine.Forget(_engineToken);
        }
    }
}
