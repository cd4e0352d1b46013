using System.CommandLine;

namespace Usock.Cli;

/// <summary>The exit codes of every usock command, as documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>A socket call failed; stderr names the errno.</summary>
    public const int SocketError = 1;

    /// <summary>The command line was wrong: unknown option, bad value.</summary>
    public const int Usage = 2;

    /// <summary>The network check failed (the example's checkNet step).</summary>
    public const int NoNetwork = 3;
}

/// <summary>Parses, reports usage errors with exit code 2, runs the action, and turns socket errors into one line.</summary>
internal static class CommandLine
{
    public static int Run(RootCommand root, string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parsed = root.Parse(args);
        parsed.InvocationConfiguration.Output = output;
        parsed.InvocationConfiguration.Error = error;
        parsed.InvocationConfiguration.EnableDefaultExceptionHandler = false;
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (System.CommandLine.Parsing.ParseError e in parsed.Errors)
            {
                error.WriteLine($"usock: {e.Message}");
            }

            error.WriteLine("Try 'usock --help'.");
            return ExitCodes.Usage;
        }

        try
        {
            return parsed.Invoke();
        }
        catch (UsocketException e)
        {
            error.WriteLine($"usock: {e.Message}");
            return ExitCodes.SocketError;
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"usock: {e.Message}");
            return ExitCodes.Usage;
        }
    }
}
