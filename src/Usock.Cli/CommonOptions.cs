using System.CommandLine;
using System.Globalization;
using System.Net;

namespace Usock.Cli;

/// <summary>
/// The options most commands share: <c>--hex</c>, <c>--json</c>, <c>--no-color</c>, <c>--posix</c>, and
/// <c>-4</c>/<c>-6</c> for those that pick an address family. Each command gets its own instances.
/// </summary>
internal sealed class CommonOptions
{
    private readonly Option<bool> _hex = new("--hex") { Description = "Dump the traffic on stderr in hex, socat style ('>' sent, '<' received)" };
    private readonly Option<bool> _json = new("--json") { Description = "Report events as JSON lines on stderr instead of messages" };
    private readonly Option<bool> _noColor = new("--no-color") { Description = "No colour on stderr (NO_COLOR in the environment does the same)" };
    private readonly Option<bool> _posix = new("--posix") { Description = "Use the portable (POSIX) profile instead of the device's (e.g. 111 ECONNREFUSED instead of 104 ECONNRESET)" };
    private readonly Option<bool> _v4 = new("-4") { Description = "IPv4 only" };
    private readonly Option<bool> _v6 = new("-6") { Description = "IPv6 only" };
    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "More messages on stderr (half-closes, the peer's end of stream)" };
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No messages on stderr but errors (no banners, no summary)" };
    private readonly bool _families;
    private readonly bool _hexToo;

    private CommonOptions(bool families, bool hex)
    {
        _families = families;
        _hexToo = hex;
    }

    /// <summary>Adds the shared options to <paramref name="command"/> and returns them for reading.</summary>
    /// <param name="command">The command.</param>
    /// <param name="families">Also add <c>-4</c> and <c>-6</c>.</param>
    /// <param name="hex">Also add <c>--hex</c> (commands that move data).</param>
    public static CommonOptions AddTo(Command command, bool families = true, bool hex = true)
    {
        var o = new CommonOptions(families, hex);
        if (families)
        {
            command.Options.Add(o._v4);
            command.Options.Add(o._v6);
            command.Validators.Add(r =>
            {
                if (r.GetValue(o._v4) && r.GetValue(o._v6))
                {
                    r.AddError("-4 and -6 exclude each other.");
                }
            });
        }

        if (hex)
        {
            command.Options.Add(o._hex);
        }

        command.Options.Add(o._json);
        command.Options.Add(o._noColor);
        command.Options.Add(o._posix);
        command.Options.Add(o._verbose);
        command.Options.Add(o._quiet);
        command.Validators.Add(r =>
        {
            if (r.GetValue(o._verbose) && r.GetValue(o._quiet))
            {
                r.AddError("-v and -q exclude each other.");
            }
        });
        return o;
    }

    /// <summary>Applies <c>--posix</c> (the process-wide default profile) and makes the reporter for stderr.</summary>
    public Reporter Begin(ParseResult result)
    {
        USocket.DefaultProfile = result.GetValue(_posix) ? UsocketProfile.Posix : UsocketProfile.QuecPython;
        return new Reporter(
            result.InvocationConfiguration.Error,
            Terminal.Detect(result.GetValue(_noColor)),
            result.GetValue(_json),
            _hexToo && result.GetValue(_hex),
            result.GetValue(_quiet) ? -1 : result.GetValue(_verbose) ? 1 : 0);
    }

    /// <summary>The family <c>-4</c> or <c>-6</c> asks for, or <c>null</c>.</summary>
    public int? Family(ParseResult result) =>
        !_families ? null : result.GetValue(_v4) ? USocket.AF_INET : result.GetValue(_v6) ? USocket.AF_INET6 : null;
}

/// <summary>Positional arguments shared by the commands, with messages for bad values (exit 2).</summary>
internal static class Args
{
    /// <summary>A port argument: 1..65535, or 0..65535 when <paramref name="allowZero"/> (0: the system picks one).</summary>
    public static Argument<int> Port(string description, bool allowZero = false, string name = "PORT") => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            int min = allowZero ? 0 : 1;
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < min || port > 65535)
            {
                r.AddError($"{name} must be a port number {min}..65535, not '{text}'.");
                return 0;
            }

            return port;
        },
    };

    /// <summary>A host argument: a name or IP literal, not empty.</summary>
    public static Argument<string> Host(string description, string name = "HOST")
    {
        var a = new Argument<string>(name) { Description = description };
        a.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>()))
            {
                r.AddError($"{name} must not be empty.");
            }
        });
        return a;
    }

    /// <summary>A whole-number option (<c>--count</c>, <c>--backlog</c>, <c>--port</c>) with a plain message for a bad value.</summary>
    /// <param name="name">The option's name.</param>
    /// <param name="description">Help text.</param>
    /// <param name="min">The smallest value allowed.</param>
    /// <param name="max">The largest value allowed.</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    /// <param name="helpName">The value's name in help.</param>
    public static Option<int> Number(string name, string description, int min, int max, int defaultValue, string helpName = "N") => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            {
                r.AddError(max == int.MaxValue
                    ? $"{name} takes a whole number, {min} or more, not '{text}'."
                    : $"{name} takes a whole number {min}..{max}, not '{text}'.");
                return defaultValue;
            }

            return value;
        },
    };

    /// <summary>The <c>--bind</c> option of the servers.</summary>
    public static Option<string?> Bind() => new("--bind")
    {
        Description = "Local address to listen on (default 127.0.0.1, or ::1 with -6; 0.0.0.0 or :: for every interface)",
        HelpName = "ADDRESS",
    };
}

/// <summary>Choosing the address family and address, through the module's getaddrinfo where a name is given.</summary>
internal static class Endpoints
{
    /// <summary>
    /// Where a client connects: without <paramref name="family"/>, the first <c>getaddrinfo</c> entry (the device
    /// gives IPv4 first) and its family; with it, the host as given, for <c>connect</c> to resolve in that family.
    /// </summary>
    /// <exception cref="UsocketException">The name does not resolve.</exception>
    public static (int Family, (string Host, int Port) Address) ForConnect(string host, int port, int? family)
    {
        if (family is int f)
        {
            return (f, (host, port));
        }

        AddrInfo first = USocket.GetAddrInfo(host, port)[0];
        return (first.Family, first.SockAddr);
    }

    /// <summary>
    /// Where datagrams go: <c>sendto</c> takes IP literals only (as the firmware's), so a name is looked up first with
    /// <c>getaddrinfo</c>; with <paramref name="family"/>, the first address of that family.
    /// </summary>
    /// <exception cref="UsocketException">The name does not resolve (in that family).</exception>
    public static (int Family, (string Host, int Port) Address) ForSendTo(string host, int port, int? family)
    {
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return (family ?? (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? USocket.AF_INET6 : USocket.AF_INET), (host, port));
        }

        if (family is not int f)
        {
            AddrInfo first = USocket.GetAddrInfo(host, port)[0];
            return (first.Family, first.SockAddr);
        }

        foreach (AddrInfo e in USocket.GetAddrInfo(host, port, UsocketProfile.Posix))
        {
            if (e.Family == f)
            {
                return (f, e.SockAddr);
            }
        }

        int errno = USocket.DefaultProfile == UsocketProfile.Posix ? Errno.EAI_NONAME : Errno.LWIP_EAI_FAIL;
        throw new UsocketException(errno, $"'{host}' has no {(f == USocket.AF_INET ? "IPv4" : "IPv6")} address");
    }

    /// <summary>The address a server binds: <paramref name="bind"/>, or the loopback address of the family.</summary>
    /// <exception cref="UsocketException">A name that does not resolve.</exception>
    public static (int Family, string Host) ForBind(string? bind, int? family)
    {
        if (bind is null)
        {
            return family == USocket.AF_INET6 ? (USocket.AF_INET6, "::1") : (USocket.AF_INET, "127.0.0.1");
        }

        if (family is int f)
        {
            return (f, bind);
        }

        if (bind.Length == 0)
        {
            return (USocket.AF_INET, "");
        }

        if (IPAddress.TryParse(bind, out IPAddress? ip))
        {
            return (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? USocket.AF_INET6 : USocket.AF_INET, bind);
        }

        return (USocket.GetAddrInfo(bind, 0)[0].Family, bind);
    }
}
