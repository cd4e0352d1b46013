using System.Runtime.InteropServices;

namespace Usock.Cli;

/// <summary>
/// Ctrl-C (SIGINT) for commands that run until stopped: the handlers they register close their sockets,
/// which ends any blocked call with 9 EBADF, and the command then exits with <see cref="ExitCodes.Interrupted"/>.
/// While no handler is registered, Ctrl-C ends the process as usual.
/// </summary>
internal static class Interrupt
{
    private static readonly Lock Gate = new();
    private static readonly List<Action> Handlers = [];
    private static PosixSignalRegistration? s_registration;
    private static volatile bool s_requested;

    /// <summary>True once Ctrl-C was pressed while a handler was registered.</summary>
    public static bool Requested => s_requested;

    /// <summary>Runs <paramref name="onInterrupt"/> on Ctrl-C until the returned object is disposed.</summary>
    public static IDisposable OnInterrupt(Action onInterrupt)
    {
        lock (Gate)
        {
            s_registration ??= PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
            Handlers.Add(onInterrupt);
        }

        return new Registration(onInterrupt);
    }

    private static void Handle(PosixSignalContext context)
    {
        Action[] handlers;
        lock (Gate)
        {
            handlers = [.. Handlers];
        }

        if (handlers.Length == 0)
        {
            return; // nothing to stop gracefully: let the signal end the process
        }

        context.Cancel = true;
        s_requested = true;
        foreach (Action h in handlers)
        {
            h();
        }
    }

    private sealed class Registration(Action handler) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                Handlers.Remove(handler);
            }
        }
    }
}
