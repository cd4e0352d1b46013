using System.Diagnostics.CodeAnalysis;

namespace Usock;

public sealed partial class USocket
{
    /// <summary>Resolves a host and port, as the module's <c>getaddrinfo(host, port)</c>, with <see cref="DefaultProfile"/>.</summary>
    /// <param name="host">A host name or IP literal; <c>""</c> means <c>"0.0.0.0"</c>.</param>
    /// <param name="port">0..65535.</param>
    /// <returns>The entries; see <see cref="GetAddrInfo(string, int, UsocketProfile)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 0..65535.</exception>
    /// <exception cref="ArgumentException"><paramref name="host"/> is neither an IP literal nor a valid host name.</exception>
    /// <exception cref="UsocketException">-202 (device) or -2 / -3 (POSIX) when the name does not resolve.</exception>
    public static IReadOnlyList<AddrInfo> GetAddrInfo(string host, int port) => GetAddrInfo(host, port, DefaultProfile);

    /// <summary>Resolves a host and port with an explicit profile.</summary>
    /// <param name="host">A host name or IP literal; <c>""</c> means <c>"0.0.0.0"</c>.</param>
    /// <param name="port">0..65535.</param>
    /// <param name="profile">
    /// <see cref="UsocketProfile.QuecPython"/>: exactly one entry <c>(af, 1, 0, host, (ip, port))</c>, an IPv4
    /// address first if there is one (lwIP's answer). <see cref="UsocketProfile.Posix"/>: one entry per address in
    /// the resolver's order, <c>(af, 1, 6, "", (ip, port))</c>.
    /// </param>
    /// <returns>The entries; never empty.</returns>
    /// <remarks>IP literals and <c>localhost</c> are answered without DNS; names under <c>.invalid</c> fail at once
    /// (RFC 6761), so neither sends a query.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 0..65535, or the profile is unknown.</exception>
    /// <exception cref="ArgumentException"><paramref name="host"/> is neither an IP literal nor a valid host name.</exception>
    /// <exception cref="UsocketException">-202 (device) or -2 / -3 (POSIX) when the name does not resolve.</exception>
    public static IReadOnlyList<AddrInfo> GetAddrInfo(string host, int port, UsocketProfile profile)
    {
        ArgumentNullException.ThrowIfNull(host);
        CheckPort(port, nameof(port));
        if (!Enum.IsDefined(profile))
        {
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown profile.");
        }

        string name = host.Length == 0 ? "0.0.0.0" : host;
        CheckHostSyntax(name, nameof(host));
        ResolveStatus status = Resolver.Resolve(name, AddressFamily.Unspecified, out IPAddress[] addresses);
        if (status != ResolveStatus.Ok)
        {
            throw LookupError(status, profile, name);
        }

        if (profile == UsocketProfile.QuecPython)
        {
            IPAddress pick = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
            return [new AddrInfo(FamilyOf(pick), SOCK_STREAM, 0, name, (pick.ToString(), port))];
        }

        var entries = new List<AddrInfo>(addresses.Length);
        foreach (IPAddress a in addresses.Distinct())
        {
            entries.Add(new AddrInfo(FamilyOf(a), SOCK_STREAM, IPPROTO_TCP, "", (a.ToString(), port)));
        }

        return entries;
    }

    private static int FamilyOf(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6 ? AF_INET6 : AF_INET;

    private static void CheckPort(int port, string paramName)
    {
        if (port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(paramName, port, "A port is 0..65535.");
        }
    }

    private static void CheckHostSyntax(string host, string paramName)
    {
        if (!TryParseLiteral(host, out _) && !Resolver.IsValidHostName(host))
        {
            throw new ArgumentException($"'{host}' is neither an IP address nor a valid host name.", paramName);
        }
    }

    /// <summary>
    /// An IP literal, as the module takes it. <see cref="IPAddress.TryParse(string, out IPAddress)"/> also accepts the
    /// URL forms <c>"[::1]"</c> and <c>"[::1]:80"</c> (dropping the port without a word): neither is an IP address.
    /// </summary>
    private static bool TryParseLiteral(string host, [NotNullWhen(true)] out IPAddress? address)
    {
        if (host.Contains('[', StringComparison.Ordinal) || host.Contains(']', StringComparison.Ordinal))
        {
            address = null;
            return false;
        }

        return IPAddress.TryParse(host, out address);
    }

    /// <summary>
    /// Turns an address tuple into an endpoint of this socket's family: <c>""</c> is the wildcard, literals are
    /// checked against the family, names are resolved when <paramref name="allowNames"/> (else rejected, as the
    /// firmware's sendto takes literals only).
    /// </summary>
    private IPEndPoint ToEndPoint((string Host, int Port) address, bool allowNames, string paramName, in Deadline deadline)
    {
        IPEndPoint? ep = LiteralEndPoint(address, allowNames, paramName);
        if (ep is not null)
        {
            return ep;
        }

        if (deadline.RemainingMs() < 0 || deadline.IsNonBlocking)
        {
            // No time limit (blocking), or non-blocking: a lookup cannot be made non-blocking; the device blocks too.
            ResolveStatus status = Resolver.Resolve(address.Host, _core.Family, out IPAddress[] found);
            return Resolved(address, status, found);
        }

        try
        {
            (ResolveStatus status, IPAddress[] found) = LookUp(address.Host, deadline, CancellationToken.None).GetAwaiter().GetResult();
            return Resolved(address, status, found);
        }
        catch (TimeoutException)
        {
            throw LookupTimedOut(address.Host);
        }
    }

    /// <summary>As <see cref="ToEndPoint"/>, with the lookup (if one is needed) not blocking the caller.</summary>
    private async ValueTask<IPEndPoint> ToEndPointAsync((string Host, int Port) address, string paramName, Deadline deadline, CancellationToken cancellationToken)
    {
        IPEndPoint? ep = LiteralEndPoint(address, allowNames: true, paramName);
        if (ep is not null)
        {
            return ep;
        }

        try
        {
            (ResolveStatus status, IPAddress[] found) = await LookUp(address.Host, deadline, cancellationToken).ConfigureAwait(false);
            return Resolved(address, status, found);
        }
        catch (TimeoutException)
        {
            throw LookupTimedOut(address.Host);
        }
    }

    /// <summary>
    /// The lookup of a call, within the call's deadline on the socket's clock (a <see cref="TimeoutException"/> when it
    /// passes). The system's resolver cannot be stopped once its query is out (glibc's <c>gai_cancel</c> only withdraws
    /// a query not yet started), so the call stops waiting at the deadline and the lookup ends by itself, unwatched.
    /// </summary>
    private Task<(ResolveStatus Status, IPAddress[] Addresses)> LookUp(string host, in Deadline deadline, CancellationToken cancellationToken)
    {
        long ms = deadline.RemainingMs();
        if (ms == 0 && !deadline.IsNonBlocking)
        {
            throw LookupTimedOut(host, before: true);
        }

        Task<(ResolveStatus, IPAddress[])> lookup = Resolver.ResolveAsync(host, _core.Family, cancellationToken).AsTask();
        return ms < 0 ? lookup : lookup.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(ms, uint.MaxValue - 1)), _core.Clock, cancellationToken);
    }

    private IPEndPoint Resolved((string Host, int Port) address, ResolveStatus status, IPAddress[] found) =>
        status == ResolveStatus.Ok ? new IPEndPoint(found[0], address.Port) : throw LookupError(status, Profile, address.Host);

    private UsocketException LookupTimedOut(string host, bool before = false) =>
        Error(Errno.ETIMEDOUT, before ? $"the timeout passed before '{host}' was resolved" : $"resolving '{host}' took longer than the timeout");

    /// <summary>
    /// Checks an address tuple and returns its endpoint when no lookup is needed (<c>""</c> is the wildcard, literals
    /// must match the family); <c>null</c> for a valid host name, which the caller resolves.
    /// </summary>
    private IPEndPoint? LiteralEndPoint((string Host, int Port) address, bool allowNames, string paramName)
    {
        if (address.Host is null)
        {
            throw new ArgumentNullException(paramName, "The address's host is null.");
        }

        CheckPort(address.Port, paramName);
        if (address.Host.Length == 0)
        {
            return new IPEndPoint(WildcardAddress, address.Port);
        }

        if (TryParseLiteral(address.Host, out IPAddress? literal))
        {
            if (literal.AddressFamily != _core.Family)
            {
                string want = _core.Family == AddressFamily.InterNetwork ? "an IPv4" : "an IPv6";
                throw new ArgumentException($"'{address.Host}' is not {want} address, as this {(Family == AF_INET ? "AF_INET" : "AF_INET6")} socket needs.", paramName);
            }

            return new IPEndPoint(literal, address.Port);
        }

        if (!allowNames)
        {
            throw new ArgumentException($"'{address.Host}' is not an IP address; this call takes IP literals only.", paramName);
        }

        CheckHostSyntax(address.Host, paramName);
        return null;
    }

    private IPEndPoint CheckEndPoint(IPEndPoint endPoint, string paramName)
    {
        ArgumentNullException.ThrowIfNull(endPoint, paramName);
        if (endPoint.AddressFamily != _core.Family)
        {
            throw new ArgumentException($"{endPoint} is not of this {(Family == AF_INET ? "AF_INET" : "AF_INET6")} socket's address family.", paramName);
        }

        return endPoint;
    }
}
