using System.Net;
using System.Net.Sockets;

namespace Usock.Platform;

/// <summary>Outcome of a name lookup.</summary>
internal enum ResolveStatus
{
    Ok,
    NotFound,
    TryAgain,
}

/// <summary>
/// Name lookup. IP literals never reach DNS; the special-use names of RFC 6761 are answered here
/// (<c>localhost</c> is loopback, <c>.invalid</c> never exists), so neither sends a query anywhere.
/// </summary>
internal static class Resolver
{
    public static ResolveStatus Resolve(string host, AddressFamily family, out IPAddress[] addresses)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            addresses = [literal];
            return ResolveStatus.Ok;
        }

        string name = host.TrimEnd('.').ToUpperInvariant();
        if (name == "LOCALHOST" || name.EndsWith(".LOCALHOST", StringComparison.Ordinal))
        {
            addresses = family switch
            {
                AddressFamily.InterNetwork => [IPAddress.Loopback],
                AddressFamily.InterNetworkV6 => [IPAddress.IPv6Loopback],
                _ => [IPAddress.Loopback, IPAddress.IPv6Loopback],
            };
            return ResolveStatus.Ok;
        }

        if (name == "INVALID" || name.EndsWith(".INVALID", StringComparison.Ordinal) || IsNumericTopLabel(name))
        {
            addresses = [];
            return ResolveStatus.NotFound;
        }

        try
        {
            addresses = Dns.GetHostAddresses(host, family);
            return addresses.Length > 0 ? ResolveStatus.Ok : ResolveStatus.NotFound;
        }
        catch (SocketException e)
        {
            addresses = [];
            return e.SocketErrorCode == SocketError.TryAgain ? ResolveStatus.TryAgain : ResolveStatus.NotFound;
        }
    }

    /// <summary>
    /// True for a syntactically valid host name (RFC 1123 labels; underscores allowed, as resolvers do).
    /// Anything else is a bad argument, not a lookup that fails.
    /// </summary>
    public static bool IsValidHostName(string host)
    {
        string name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (string label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    // "256.1.1.1" is no IP address, and a DNS name never ends in an all-numeric label: fail without a query.
    private static bool IsNumericTopLabel(string name)
    {
        int dot = name.LastIndexOf('.');
        ReadOnlySpan<char> top = name.AsSpan(dot + 1);
        foreach (char c in top)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
