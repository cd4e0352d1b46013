namespace Usock.Cli;

/// <summary>Receiving with end of stream as a value, in both profiles.</summary>
internal static class Receive
{
    /// <summary>
    /// One <c>RecvInto</c> on a plain or a TLS socket: the count received (0 is an empty datagram on UDP), or -1 at
    /// the end of a TCP (or TLS) stream. The device profile reports that end as 107 ENOTCONN the first time (lwIP's
    /// behaviour, which Usock keeps); a program on the device treats it as the end, and so does usock.
    /// </summary>
    /// <exception cref="UsocketException">Any other failure.</exception>
    public static int Chunk(ISocketSurface sock, Span<byte> buffer)
    {
        bool stream = sock.IsStream;
        try
        {
            int n = sock.RecvInto(buffer);
            return n == 0 && stream ? -1 : n;
        }
        catch (UsocketException e) when (stream && e.Errno == Errno.ENOTCONN)
        {
            return -1;
        }
    }
}
