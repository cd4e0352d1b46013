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

    /// <summary>True when the parsed command line asks for help.</summary>
    public static bool IsHelp(ParseResult parsed) => parsed.Action is HelpAction or WithExamplesAction;

    private sealed class WithExamplesAction(HelpAction standard) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            int rc = standard.Invoke(parseResult);
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
