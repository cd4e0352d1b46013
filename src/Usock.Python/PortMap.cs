using System.Globalization;

namespace Usock.Python;

/// <summary>
/// <c>--map-port PORT=HOSTPORT</c> entries: a script's <c>bind((ip, PORT))</c> binds <c>HOSTPORT</c> instead (a
/// server written for the device's port 80 or 161 runs without root). <c>getsockname</c> then reports the port
/// really bound.
/// </summary>
internal static class PortMap
{
    private static readonly Dictionary<int, int> Entries = new();

    /// <summary>Adds one entry.</summary>
    /// <exception cref="ArgumentException">The entry is not <c>PORT=HOSTPORT</c> with ports 1-65535 (HOSTPORT may be 0: any free port).</exception>
    public static void Add(string entry)
    {
        string[] parts = entry.Split('=');
        if (parts.Length != 2 || !TryPort(parts[0], out int port) || port == 0 || !TryPort(parts[1], out int to))
        {
            throw new ArgumentException($"--map-port '{entry}': expected PORT=HOSTPORT, e.g. 80=8080 (the program's bind of port 80 binds 8080)");
        }

        lock (Entries)
        {
            Entries[port] = to;
        }
    }

    /// <summary>The port to bind for a port the script asked for.</summary>
    public static int Map(int port)
    {
        lock (Entries)
        {
            return Entries.Count > 0 && Entries.TryGetValue(port, out int to) ? to : port;
        }
    }

    private static bool TryPort(string s, out int port) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
}
