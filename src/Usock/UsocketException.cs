using System.Globalization;

namespace Usock;

/// <summary>
/// The module's <c>OSError</c>: a socket call failed with the errno in <see cref="Errno"/>.
/// The message reads like the device's, <c>[Errno 110] ETIMEDOUT</c>.
/// </summary>
/// <remarks>
/// It derives from <see cref="IOException"/>, so code that reads a <see cref="USocket.MakeFile"/> stream
/// and catches <see cref="IOException"/> sees socket errors too.
/// </remarks>
public sealed class UsocketException : IOException
{
    /// <summary>Creates the exception for an errno value.</summary>
    /// <param name="errno">The errno value, e.g. <see cref="Usock.Errno.ETIMEDOUT"/>.</param>
    public UsocketException(int errno)
        : this(errno, null, null)
    {
    }

    /// <summary>Creates the exception for an errno value with a detail appended to the message.</summary>
    /// <param name="errno">The errno value.</param>
    /// <param name="detail">Text appended after the errno and its name, or <c>null</c>.</param>
    /// <param name="innerException">The .NET exception behind this one, if any.</param>
    public UsocketException(int errno, string? detail, Exception? innerException = null)
        : base(Format(errno, detail), innerException)
    {
        Errno = errno;
        HResult = errno;
    }

    /// <summary>Creates an exception with an errno of <see cref="Usock.Errno.EIO"/>.</summary>
    public UsocketException()
        : this(Usock.Errno.EIO)
    {
    }

    /// <summary>Creates an exception with an errno of <see cref="Usock.Errno.EIO"/> and a message.</summary>
    /// <param name="message">The message.</param>
    public UsocketException(string message)
        : this(Usock.Errno.EIO, message)
    {
    }

    /// <summary>Creates an exception with an errno of <see cref="Usock.Errno.EIO"/>, a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UsocketException(string message, Exception innerException)
        : this(Usock.Errno.EIO, message, innerException)
    {
    }

    /// <summary>The errno value, as the module's <c>OSError.args[0]</c>.</summary>
    public int Errno { get; }

    /// <summary>The errno's symbolic name, e.g. <c>"ETIMEDOUT"</c>, or <c>null</c> if it has none.</summary>
    public string? ErrnoName => Usock.Errno.Name(Errno);

    private static string Format(int errno, string? detail)
    {
        string head = string.Create(CultureInfo.InvariantCulture, $"[Errno {errno}] {Usock.Errno.Name(errno) ?? "E?"}");
        return detail is null ? head : head + ": " + detail;
    }
}
