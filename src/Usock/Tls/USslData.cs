using System.Text;

namespace Usock;

/// <summary>
/// Certificate or key data for <see cref="USsl.WrapSocket"/>: PEM or DER, as bytes or text, as the module's
/// <c>ca</c>, <c>key</c> and <c>cert</c> arguments take them (the data itself, not a file name).
/// </summary>
/// <remarks>Converts implicitly from <c>byte[]</c>, <see cref="ReadOnlyMemory{T}"/> and
/// <see cref="string"/> (null meaning absent), so <c>ca: File.ReadAllText("ca.pem")</c> and <c>cert: derBytes</c> both read naturally.
/// Data holding <c>-----BEGIN</c> is read as PEM, anything else as DER.</remarks>
public readonly record struct USslData
{
    private USslData(ReadOnlyMemory<byte> bytes) => Bytes = bytes;

    /// <summary>The data as given (a string is held as its UTF-8 bytes).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The data as bytes (PEM or DER).</summary>
    /// <param name="bytes">The bytes; not copied, so do not change them until the socket is wrapped.</param>
    /// <returns>The data.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bytes"/> is null.</exception>
    public static USslData FromBytes(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new USslData(bytes);
    }

    /// <summary>The data as bytes (PEM or DER).</summary>
    /// <param name="bytes">The bytes; not copied.</param>
    /// <returns>The data.</returns>
    public static USslData FromMemory(ReadOnlyMemory<byte> bytes) => new(bytes);

    /// <summary>The data as text (PEM).</summary>
    /// <param name="text">The PEM text.</param>
    /// <returns>The data.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static USslData FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new USslData(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>See <see cref="FromBytes"/>; null stays null (the argument is absent).</summary>
    /// <param name="bytes">The bytes, or null.</param>
    public static implicit operator USslData?(byte[]? bytes) => bytes is null ? null : FromBytes(bytes);

    /// <summary>See <see cref="FromMemory"/>.</summary>
    /// <param name="bytes">The bytes.</param>
    public static implicit operator USslData(ReadOnlyMemory<byte> bytes) => FromMemory(bytes);

    /// <summary>See <see cref="FromString"/>; null stays null (the argument is absent).</summary>
    /// <param name="text">The PEM text, or null.</param>
    public static implicit operator USslData?(string? text) => text is null ? null : FromString(text);
}
