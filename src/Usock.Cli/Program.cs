using System.CommandLine;
using Usock.Cli;
using Usock.Cli.Commands;

#if USOCK_AOT
if (args is [("run" or "chaos") and string command, ..])
{
    // usock run embeds CPython through pythonnet, which needs the JIT; usock chaos builds its pcap with PacketDotNet,
    // which is not trim-safe. Both live in the tool form only.
    Console.Error.WriteLine($"usock: {command} is not in the native usock binary (it needs the .NET runtime): install the tool (dotnet tool install -g Usock.Tool) and use its usock {command}");
    return ExitCodes.Usage;
}
#else
if (args is ["run", ..])
{
    return RunCommand.Run(args[1..]); // the script owns every argument after it, so run parses its own
}
#endif

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
    ChaosCommand.Create(),
#endif
};

root.HelpName = "usock";
Help.Install(root);
return CommandLine.Run(root, args, Console.Out, Console.Error);
