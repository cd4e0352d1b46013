using System.Globalization;
using System.Net;

namespace Usock.Python;

/// <summary>
/// curl-style <c>--resolve NAME:PORT=ADDR:PORT</c> entries: a script's <c>getaddrinfo(NAME, PORT)</c> answers
/// <c>(ADDR, PORT)</c> and <c>connect((NAME, PORT))</c> and <c>sendto(data, (NAME, PORT))</c> go there, without any
/// lookup. NAME may be an IP literal: a program that talks to a fixed internet address is pointed at a local peer.
/// </summary>
internal static class ResolveTable
{
    private static readonly Dictionary<(string, int), (string Host, int Port)> Entries = new();

    /// <summary>Adds one entry.</summary>
    /// <exception cref="ArgumentException">The entry is not <c>NAME:PORT=ADDR:PORT</c> with an IP literal address.</exception>
    public static void Add(string entry)
    {
        int eq = entry.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || !TrySplit(entry[..eq], out string name, out int port) || !TrySplit(entry[(eq + 1)..], out string addr, out int addrPort)
            || !IPAddress.TryParse(addr, out _))
        {
            throw new ArgumentException($"--resolve '{entry}': expected NAME:PORT=ADDR:PORT with an IP address, e.g. www.tongxinmao.com:80=127.0.0.1:8080");
        }

        lock (Entries)
        {
            Entries[(name.ToLowerInvariant(), port)] = (addr, addrPort);
        }
    }

    /// <summary>The mapped address for a name and port, or the same pair.</summary>
    public static (string Host, int Port) Map(string host, int port)
    {
        lock (Entries)
        {
            return Entries.Count > 0 && Entries.TryGetValue((host.ToLowerInvariant(), port), out var to) ? to : (host, port);
        }
    }

    /// <summary>The name an address was mapped from, when that name is an IP literal (a datagram's sender as the
    /// script addressed it: <c>recvfrom</c> after <c>sendto(("1.2.3.4", 6666))</c> redirected to 127.0.0.1:9000 reports
    /// 1.2.3.4:6666); otherwise the same pair.</summary>
    public static (string Host, int Port) Unmap(string host, int port)
    {
        lock (Entries)
        {
            foreach (KeyValuePair<(string Name, int Port), (string Host, int Port)> e in Entries)
            {
                if (e.Value.Port == port && e.Value.Host == host && IPAddress.TryParse(e.Key.Name, out _))
                {
                    return e.Key;
                }
            }
        }

        return (host, port);
    }

    private static bool TrySplit(string s, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = s.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        host = s[..colon].Trim('[', ']');
        return int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
    }
}
