namespace Usock;

/// <summary>
/// What a poller needs of a socket, plain or TLS: its core (the descriptor, the close protocol, the watchers) and
/// whether its stream methods hold bytes the kernel does not see (a plain socket's read buffer; a TLS socket's
/// decrypted bytes), which count as readable.
/// </summary>
internal interface IPollable
{
    SocketCore Core { get; }

    /// <summary>The socket a poll result names (a TLS socket's is the socket underneath).</summary>
    USocket Named { get; }

    bool HasBufferedData { get; }
}
