using System.Security.Authentication;

namespace Usock;

/// <summary>
/// Choices beyond the module's arguments, for C# programs (the device has none of these).
/// </summary>
public sealed record USslOptions
{
    /// <summary>The device's behaviour: verification only when <c>ca</c> is given, a certificate that is not yet
    /// valid accepted.</summary>
    public static USslOptions Device { get; } = new();

    /// <summary>Always verify: the chain (against <c>ca</c> when given, else the system's trusted roots), the
    /// validity dates (a certificate that is not yet valid is rejected too) and, on the client side, the host name
    /// (<c>serverHostname</c> is then required).</summary>
    public bool Strict { get; init; }

    /// <summary>The TLS versions to allow; <see cref="SslProtocols.None"/> (the default) lets the system choose
    /// (TLS 1.2 and 1.3 on current systems).</summary>
    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.None;

    /// <summary>How long <see cref="USslSocket.Close"/> may wait to send data still queued and the TLS
    /// <c>close_notify</c> (default 1 s); 0 sends only what fits at once.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
