using System.CommandLine;
using Usock.Cli;
using Usock.Cli.Commands;

if (args is ["run", ..])
{
#if USOCK_AOT
    // The native binary has no JIT, and usock run embeds CPython through pythonnet, which needs one.
    Console.Error.WriteLine("usock: run is not in the native usock binary (it needs the .NET runtime): install the tool (dotnet tool install -g Usock.Tool) and use its usock run");
    return ExitCodes.Usage;
#else
    return RunCommand.Run(args[1..]); // the script owns every argument after it, so run parses its own
#endif
}

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
#if !USOCK_AOT
    RunCommand.Create(),
#endif
    ChaosCommand.Create(),
};

root.HelpName = "usock";
Help.Install(root);
return CommandLine.Run(root, args, Console.Out, Console.Error);
