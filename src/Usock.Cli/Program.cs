using System.CommandLine;
using Usock.Cli;

var root = new RootCommand("usock: QuecPython's usocket module on .NET. Runs the module documentation's example; every network action goes through the Usock library.")
{
    ExampleCommand.Create(),
};

return CommandLine.Run(root, args, Console.Out, Console.Error);
