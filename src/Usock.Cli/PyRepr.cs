using System.Globalization;
using System.Text;

namespace Usock.Cli;

/// <summary>Values printed as the module prints them on the device (Python's <c>repr</c>).</summary>
internal static class PyRepr
{
    /// <summary>A string in single quotes, with backslashes, quotes and control characters escaped.</summary>
    public static string Str(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('\'');
        foreach (char c in s)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' or '\x7f' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => c.ToString(),
            });
        }

        return sb.Append('\'').ToString();
    }

    /// <summary>An address tuple: <c>('127.0.0.1', 8080)</c>.</summary>
    public static string Address((string Host, int Port) address) =>
        string.Create(CultureInfo.InvariantCulture, $"({Str(address.Host)}, {address.Port})");

    /// <summary>One <c>getaddrinfo</c> entry: <c>(2, 1, 0, 'localhost', ('127.0.0.1', 80))</c>.</summary>
    public static string Entry(AddrInfo e) =>
        string.Create(CultureInfo.InvariantCulture, $"({e.Family}, {e.Type}, {e.Proto}, {Str(e.CanonName)}, {Address(e.SockAddr)})");

    /// <summary>The list <c>getaddrinfo</c> returns: <c>[(2, 1, 0, 'localhost', ('127.0.0.1', 80))]</c>.</summary>
    public static string List(IEnumerable<AddrInfo> entries) => "[" + string.Join(", ", entries.Select(Entry)) + "]";
}
