using System.CommandLine;

namespace Usock.Cli;

/// <summary>
/// Finds the first option the chosen command does not know, wherever it stands. System.CommandLine reads an unknown
/// token before the positional arguments as one of them (<c>usock connect --bogus 127.0.0.1 80</c> would complain
/// about <c>80</c>), so the command line is scanned first, and netcat habits (<c>-l</c>, <c>-u</c>, <c>-p</c>,
/// <c>-k</c>, <c>-w</c>, <c>-e</c>...) get a line saying what to type instead.
/// </summary>
internal static class UnknownOptions
{
    /// <summary>The first unknown option in <paramref name="args"/> and advice for it, or <c>null</c>.</summary>
    /// <param name="root">The root command.</param>
    /// <param name="args">The command line.</param>
    /// <returns>The option as typed, the command it was given to, and a line of advice (or <c>null</c>).</returns>
    public static (string Option, Command Command, string? Advice)? Find(RootCommand root, IReadOnlyList<string> args)
    {
        Command command = root;
        var ancestors = new List<Command>();
        bool positionalSeen = false;
        for (int i = 0; i < args.Count; i++)
        {
            string token = args[i];
            if (token == "--")
            {
                return null; // the rest is positional
            }

            if (!positionalSeen && command.Subcommands.FirstOrDefault(c => c.Name == token || c.Aliases.Contains(token)) is Command sub)
            {
                ancestors.Add(command);
                command = sub;
                continue;
            }

            string name = token.Split('=', ':')[0];
            Option? known = OptionsOf(command, ancestors).FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
            if (known is null)
            {
                if (!IsOptionLike(token))
                {
                    positionalSeen = true;
                    continue;
                }

                return (token, command, Advise(name, command));
            }

            if (name == token && TakesValue(known) && i + 1 < args.Count)
            {
                i++; // its value, whatever it looks like
            }
        }

        return null;
    }

    /// <summary>What a netcat user should type instead of <paramref name="option"/> in <paramref name="command"/>.</summary>
    internal static string? Advise(string option, Command command)
    {
        string path = command.Name;
        bool listen = path is "listen";
        if (option.Length > 2 && option[0] == '-' && option[1] != '-')
        {
            // Bundled netcat flags such as -lu, -lk, -lp, -nv: advise on the first one usock would not take.
            foreach (char c in option[1..])
            {
                string single = "-" + c;
                if (command.Options.Any(o => o.Name == single || o.Aliases.Contains(single)))
                {
                    continue;
                }

                if (c == 'l' && option.Contains('u', StringComparison.Ordinal))
                {
                    return "-lu: for a UDP server type 'usock udp listen PORT' (prints what arrives) or 'usock udp echo PORT'";
                }

                return Advise(single, command) is string advice ? $"{option}: {advice}" : null;
            }

            return null;
        }

        return option switch
        {
            "-l" or "--listen" => "-l: use 'usock listen PORT' (TCP) or 'usock udp listen PORT' (UDP)",
            "-u" or "--udp" => listen
                ? "-u: for a UDP server use 'usock udp listen PORT' (prints what arrives) or 'usock udp echo PORT'"
                : "-u: UDP is 'usock connect -u HOST PORT', 'usock udp send HOST PORT' or 'usock udp listen PORT'",
            "-p" or "--source-port" => listen
                ? "-p: the port is an argument: 'usock listen PORT'"
                : "-p: usock does not pick the local port; 'usock listen PORT' serves on a port",
            "-k" or "--keep-open" => "-k: keeping a server open is 'usock listen --keep PORT'",
            "-w" or "--wait" => "-w: use --timeout DURATION (e.g. --timeout 5s)",
            "-e" or "--exec" or "-c" or "--sh-exec" => "-e: usock runs no program for a connection (netcat's -e); to echo what a client sends, use 'usock listen --echo PORT'",
            "-n" or "--nodns" => "-n: not needed: IP addresses never go to DNS",
            "-N" => "-N: not needed: usock half-closes (shutdown SHUT_WR) when stdin ends",
            "-z" => "-z: to check whether a port accepts connections use 'usock state HOST PORT'",
            "-v" or "-q" => $"{option}: this command has no messages to change",
            _ => null,
        };
    }

    private static IEnumerable<Option> OptionsOf(Command command, List<Command> ancestors) =>
        command.Options.Concat(ancestors.SelectMany(a => a.Options.Where(o => o.Recursive)));

    private static bool TakesValue(Option option) =>
        option.Arity.MaximumNumberOfValues > 0 && option.ValueType != typeof(bool);

    /// <summary>An option or a bundle of flags; not <c>-</c> (stdin) nor a negative number (a bad port, say).</summary>
    private static bool IsOptionLike(string token) =>
        token.Length > 1 && token[0] == '-' && !(char.IsAsciiDigit(token[1]) || (token[1] == '.' && token.Length > 2));
}
