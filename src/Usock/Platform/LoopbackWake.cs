namespace Usock.Platform;

/// <summary>
/// The wake-up descriptor of a portable wait (hosts without epoll, or <c>USOCK_EPOLL=0</c>): a UDP socket on the
/// loopback address, connected to itself. <see cref="Wake"/> sends it one datagram from any thread, so a
/// <c>Socket.Select</c> that includes <see cref="Socket"/> in its read list ends at once, as the eventfd ends an
/// epoll wait; a wake-up sent before the wait begins stays queued and ends it too.
/// </summary>
internal sealed class LoopbackWake : IDisposable
{
    private static readonly byte[] One = [1];
    private readonly byte[] _sink = new byte[16];

    private LoopbackWake(Socket socket) => Socket = socket;

    /// <summary>The socket to put in the wait's read list.</summary>
    public Socket Socket { get; }

    /// <summary>Creates the wake-up socket; an errno when the host refuses (e.g. 24 EMFILE).</summary>
    public static int Create(out LoopbackWake? wake)
    {
        wake = null;
        int e = SocketPal.Create(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, out Socket? s);
        if (e != 0)
        {
            return e;
        }

        e = SocketPal.Bind(s!, new IPEndPoint(IPAddress.Loopback, 0));
        if (e == 0)
        {
            e = SocketPal.GetLocalEndPoint(s!, out IPEndPoint? self);
            e = e == 0 ? SocketPal.Connect(s!, self!) : e;
        }

        e = e == 0 ? SocketPal.SetBlocking(s!, false) : e;
        if (e != 0)
        {
            s!.Dispose();
            return e;
        }

        wake = new LoopbackWake(s!);
        return 0;
    }

    /// <summary>Ends a wait in progress on another thread (or the next one). Never blocks; a full queue already wakes.</summary>
    public void Wake() => _ = SocketPal.Send(Socket, One, dontWait: true, out _);

    /// <summary>Takes the queued wake-ups, so the next wait blocks again.</summary>
    public void Drain()
    {
        while (SocketPal.Receive(Socket, _sink, dontWait: true, out int n) == 0 && n > 0)
        {
        }
    }

    public void Dispose() => Socket.Dispose();
}
