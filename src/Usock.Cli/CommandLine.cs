using System.CommandLine;

namespace Usock.Cli;

/// <summary>Parses, reports usage errors with exit code 2, runs the action, and turns socket errors into one line.</summary>
internal static class CommandLine
{
    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs the chosen command.</summary>
    /// <returns>One of <see cref="ExitCodes"/>.</returns>
    public static int Run(RootCommand root, string[] args, TextWriter output, TextWriter error)
    {
        if (UnknownOptions.Find(root, args) is var (option, command, advice))
        {
            error.WriteLine($"usock: unknown option '{option}' for '{PathOf(command)}'.");
            if (advice is not null)
            {
                error.WriteLine($"usock: {advice}");
            }

            error.WriteLine($"Try '{PathOf(command)} --help'.");
            return ExitCodes.Usage;
        }

        ParseResult parsed = root.Parse(args);
        parsed.InvocationConfiguration.Output = output;
        parsed.InvocationConfiguration.Error = error;
        parsed.InvocationConfiguration.EnableDefaultExceptionHandler = false;
        if (parsed.Errors.Count > 0 && !Help.IsHelp(parsed))
        {
            foreach (System.CommandLine.Parsing.ParseError e in parsed.Errors)
            {
                error.WriteLine($"usock: {e.Message}");
            }

            error.WriteLine($"Try '{PathOf(parsed.CommandResult)} --help'.");
            return ExitCodes.Usage;
        }

        try
        {
            return parsed.Invoke();
        }
        catch (UsocketException) when (Interrupt.Requested)
        {
            return ExitCodes.Interrupted; // Ctrl-C closed the socket under a running call
        }
        catch (UsocketException e)
        {
            error.WriteLine($"usock: {e.Message}");
            return ExitCodes.SocketError;
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"usock: {Describe(e)}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>The command as typed, e.g. <c>usock udp send</c>.</summary>
    private static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(c is RootCommand ? "usock" : c.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The command as typed, e.g. <c>usock udp send</c>.</summary>
    private static string PathOf(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is System.CommandLine.Parsing.CommandResult c)
            {
                names.Add(c.Command is RootCommand ? "usock" : c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>An argument error's message without .NET's "(Parameter 'x')" and "Actual value was" tails.</summary>
    public static string Describe(ArgumentException e)
    {
        string message = e.Message;
        int tail = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (tail >= 0)
        {
            message = message[..tail];
        }

        int actual = message.IndexOf("\nActual value was", StringComparison.Ordinal);
        return (actual >= 0 ? message[..actual] : message).Trim();
    }
}
