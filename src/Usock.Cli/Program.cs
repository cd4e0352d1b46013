using System.CommandLine;
using Usock.Cli;
using Usock.Cli.Commands;

var root = new RootCommand("""
    usock: a netcat built on Usock, QuecPython's usocket module on .NET. Every network action goes through the
    Usock library. Data goes to stdout, messages to stderr; see docs/cli.md for exit codes and --json events.
    """)
{
    ExampleCommand.Create(),
    ConnectCommand.Create(),
    ListenCommand.Create(),
    UdpCommand.Create(),
    ResolveCommand.Create(),
    StateCommand.Create(),
    SendCommand.Create(),
    RecvCommand.Create(),
    ChaosCommand.Create(),
};

root.HelpName = "usock";
Help.Install(root);
return CommandLine.Run(root, args, Console.Out, Console.Error);
