using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Usock;

/// <summary>
/// What a socket is created with, explicitly: its behaviour profile, where it logs, the clock of its timeouts and its
/// stream limits. <c>new USocket(af, type, proto, options)</c> takes one; the other constructors use
/// <see cref="FromDefaults"/> (the process-wide <see cref="USocket.DefaultProfile"/> and <see cref="USocket.DefaultLogger"/>,
/// kept as a convenience). Accepted connections inherit their listener's options.
/// </summary>
public sealed record UsocketOptions
{
    private readonly UsocketProfile _profile = UsocketProfile.QuecPython;
    private readonly ILogger _logger = NullLogger.Instance;
    private readonly TimeProvider _timeProvider = TimeProvider.System;
    private readonly int _maxLineLength = USocket.DefaultMaxLineLength;
    private readonly int _maxReadAllBytes = USocket.DefaultMaxReadAllBytes;

    /// <summary>Where the device and POSIX disagree, which one the socket follows (default: the device).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined profile.</exception>
    public UsocketProfile Profile
    {
        get => _profile;
        init => _profile = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown profile.");
    }

    /// <summary>Where the device profile's warnings go (default: nowhere).</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public ILogger Logger
    {
        get => _logger;
        init => _logger = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The clock every timeout of the socket runs on, synchronous and async (default: the system's).</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        init => _timeProvider = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The socket's initial <see cref="USocket.MaxLineLength"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        init => _maxLineLength = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least 1.");
    }

    /// <summary>The socket's initial <see cref="USocket.MaxReadAllBytes"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxReadAllBytes
    {
        get => _maxReadAllBytes;
        init => _maxReadAllBytes = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "At least 1.");
    }

    /// <summary>Options made from the process-wide defaults as they are now.</summary>
    /// <returns>A new options object.</returns>
    public static UsocketOptions FromDefaults() => new() { Profile = USocket.DefaultProfile, Logger = USocket.DefaultLogger };
}
