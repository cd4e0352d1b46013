namespace Usock.Platform;

/// <summary>Native socket addresses (the bytes the kernel reads and writes) to and from .NET's endpoints.</summary>
internal static class SockAddr
{
    /// <summary>Room for any address this library meets (sockaddr_in6 is 28 bytes; sockaddr_storage 128).</summary>
    public const int MaxLength = 128;

    /// <summary>The endpoint in <paramref name="native"/>; null for an empty address (an unbound socket, no sender).</summary>
    public static IPEndPoint? ToEndPoint(ReadOnlySpan<byte> native)
    {
        if (native.Length < 2)
        {
            return null;
        }

        var probe = new SocketAddress(AddressFamily.InterNetwork, native.Length);
        native.CopyTo(probe.Buffer.Span);
        return probe.Family switch
        {
            AddressFamily.InterNetwork => (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(probe),
            AddressFamily.InterNetworkV6 => (IPEndPoint)new IPEndPoint(IPAddress.IPv6Any, 0).Create(probe),
            _ => null,
        };
    }
}
