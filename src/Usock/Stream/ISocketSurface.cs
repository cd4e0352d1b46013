namespace Usock;

/// <summary>
/// The socket surface the plain and the TLS socket share: the span members each implements, and the guard. The
/// byte[] and string overloads are written once over it (<see cref="Surface"/>), and the CLI's session talks to it
/// whatever the socket is.
/// </summary>
internal interface ISocketSurface
{
    /// <summary>True for a byte stream (TCP, or TLS over it); false for datagrams.</summary>
    bool IsStream { get; }

    /// <summary>The guard every public member starts with: 9 EBADF once closed.</summary>
    void Live();

    int Send(ReadOnlySpan<byte> data);

    void SendAll(ReadOnlySpan<byte> data);

    int? Write(ReadOnlySpan<byte> buffer);

    int? ReadInto(Span<byte> buffer, int nbytes = -1);

    int RecvInto(Span<byte> buffer);

    void Shutdown(int how);

    void Close();
}

/// <summary>The byte[] and string overloads of <see cref="USocket"/> and <see cref="USslSocket"/>, written once: the
/// guard, the argument check, the conversion (a string is sent as UTF-8, from pooled memory), then the span member.</summary>
internal static class Surface
{
    public static int Send(ISocketSurface s, byte[] data)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(data);
        return s.Send(data.AsSpan());
    }

    public static int Send(ISocketSurface s, string data)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(data);
        using Utf8 bytes = new(data);
        return s.Send(bytes.Span);
    }

    public static void SendAll(ISocketSurface s, byte[] data)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(data);
        s.SendAll(data.AsSpan());
    }

    public static void SendAll(ISocketSurface s, string data)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(data);
        using Utf8 bytes = new(data);
        s.SendAll(bytes.Span);
    }

    public static int? Write(ISocketSurface s, byte[] buffer)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(buffer);
        return s.Write(buffer.AsSpan());
    }

    public static int? Write(ISocketSurface s, string text)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(text);
        using Utf8 bytes = new(text);
        return s.Write(bytes.Span);
    }

    public static int? ReadInto(ISocketSurface s, byte[] buffer, int nbytes)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(buffer);
        return s.ReadInto(buffer.AsSpan(), nbytes);
    }

    public static int RecvInto(ISocketSurface s, byte[] buffer)
    {
        s.Live();
        ArgumentNullException.ThrowIfNull(buffer);
        return s.RecvInto(buffer.AsSpan());
    }

    /// <summary>A string's UTF-8 bytes in pooled memory, for the string overloads.</summary>
    internal readonly struct Utf8 : IDisposable
    {
        private readonly byte[] _array;
        private readonly int _length;

        public Utf8(string text)
        {
            _array = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
            _length = System.Text.Encoding.UTF8.GetBytes(text, _array);
        }

        public ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

        public void Dispose() => System.Buffers.ArrayPool<byte>.Shared.Return(_array);
    }
}
