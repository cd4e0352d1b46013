using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Usock.Cli;

/// <summary>
/// <c>--help</c> with examples: the standard help, then the command's examples. Commands keep a one-line
/// description (what the command list shows) and register their examples here.
/// </summary>
internal static class Help
{
    private static readonly ConditionalWeakTable<Command, string> Examples = [];

    /// <summary>Gives <paramref name="command"/> the examples its help ends with.</summary>
    /// <returns>The command, for chaining.</returns>
    public static Command WithExamples(this Command command, string examples)
    {
        Examples.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>Puts the examples behind the help option of <paramref name="root"/> (and so of every command).</summary>
    public static void Install(RootCommand root)
    {
        foreach (HelpOption option in root.Options.OfType<HelpOption>())
        {
            if (option.Action is HelpAction standard)
            {
                option.Action = new WithExamplesAction(standard);
            }
        }
    }

    /// <summary>A command as the top-level help lists it: <c>resolve HOST [PORT]</c>, <c>udp send|echo|listen</c>.</summary>
    internal static string Synopsis(Command command)
    {
        if (command.Subcommands.Count > 0)
        {
            return $"{command.Name} {string.Join('|', command.Subcommands.Select(c => c.Name))}";
        }

        IEnumerable<string> args = command.Arguments.Select(a => a.Arity.MinimumNumberOfValues == 0 ? $"[{a.Name}]" : a.Name);
        return string.Join(' ', args.Prepend(command.Name));
    }

    /// <summary>
    /// The top-level help, written here because System.CommandLine's list shows every argument as required
    /// (<c>resolve &lt;HOST&gt; &lt;PORT&gt;</c>) and appends an argument's default to the command's description.
    /// </summary>
    private static void WriteRoot(Command root, TextWriter output)
    {
        output.WriteLine("Description:");
        foreach (string line in (root.Description ?? "").Split('\n'))
        {
            output.WriteLine("  " + line.TrimEnd('\r'));
        }

        output.WriteLine();
        output.WriteLine("Usage:");
        output.WriteLine("  usock COMMAND [options]   (usock COMMAND --help for each command's options and examples)");
        output.WriteLine();
        output.WriteLine("Options:");
        output.WriteLine("  -?, -h, --help  Show help and usage information");
        output.WriteLine("  --version       Show version information");
        output.WriteLine();
        output.WriteLine("Commands ([X] is optional):");
        var rows = new List<(string Left, string Right)>();
        foreach (Command c in root.Subcommands.Where(c => !c.Hidden))
        {
            rows.Add((Synopsis(c), c.Description ?? ""));
            foreach (Command sub in c.Subcommands.Where(s => !s.Hidden))
            {
                rows.Add(($"{c.Name} {Synopsis(sub)}", sub.Description ?? ""));
            }
        }

        int width = rows.Max(r => r.Left.Length) + 2;
        foreach ((string left, string right) in rows)
        {
            output.WriteLine("  " + left.PadRight(width) + right);
        }

        output.WriteLine();
    }

    /// <summary>True when the parsed command line asks for help.</summary>
    public static bool IsHelp(ParseResult parsed) => parsed.Action is HelpAction or WithExamplesAction;

    private sealed class WithExamplesAction(HelpAction standard) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            Command command = parseResult.CommandResult.Command;
            int rc;
            if (command is RootCommand)
            {
                WriteRoot(command, parseResult.InvocationConfiguration.Output);
                rc = 0;
            }
            else
            {
                rc = standard.Invoke(parseResult);
            }

            if (Examples.TryGetValue(parseResult.CommandResult.Command, out string? examples))
            {
                TextWriter output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (string line in examples.Split('\n'))
                {
                    output.WriteLine("  " + line.TrimEnd('\r'));
                }

                output.WriteLine();
            }

            return rc;
        }
    }
}
