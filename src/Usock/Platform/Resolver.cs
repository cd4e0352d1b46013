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
        if (TryLocal(host, family, out ResolveStatus status, out addresses))
        {
            return status;
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

    public static async ValueTask<(ResolveStatus Status, IPAddress[] Addresses)> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        if (TryLocal(host, family, out ResolveStatus status, out IPAddress[] addresses))
        {
            return (status, addresses);
        }

        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
            return (addresses.Length > 0 ? ResolveStatus.Ok : ResolveStatus.NotFound, addresses);
        }
        catch (SocketException e)
        {
            return (e.SocketErrorCode == SocketError.TryAgain ? ResolveStatus.TryAgain : ResolveStatus.NotFound, []);
        }
    }

    // Literals and the special-use names: answered here, without DNS.
    private static bool TryLocal(string host, AddressFamily family, out ResolveStatus status, out IPAddress[] addresses)
    {
        status = ResolveStatus.Ok;
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            addresses = [literal];
            return true;
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
            return true;
        }

        addresses = [];
        if (name == "INVALID" || name.EndsWith(".INVALID", StringComparison.Ordinal) || IsNumericTopLabel(name))
        {
            status = ResolveStatus.NotFound;
            return true;
        }

        return false;
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
