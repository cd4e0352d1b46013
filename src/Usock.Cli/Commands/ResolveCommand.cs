using System.CommandLine;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock resolve HOST [PORT]</c>: the module's <c>getaddrinfo(host, port)</c>, printed on stdout as the device
/// prints the list: <c>[(2, 1, 0, 'localhost', ('127.0.0.1', 80))]</c>. <c>--posix</c> gives the portable profile's
/// answer (every address, proto 6, empty canonname).
/// </summary>
internal static class ResolveCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var host = new Argument<string>("HOST") { Description = "Host name or IP address ('' means 0.0.0.0, as on the device)" };
        Argument<int> port = Args.Port("Port to put in the answer (default 0)", allowZero: true);
        port.Arity = ArgumentArity.ZeroOrOne;
        port.DefaultValueFactory = _ => 0;
        var command = new Command("resolve", "Resolve HOST with getaddrinfo and print the list on stdout as the module prints it.")
        {
            host, port,
        };
        command.WithExamples("""
            usock resolve localhost 80
              [(2, 1, 0, 'localhost', ('127.0.0.1', 80))]
            usock resolve --posix localhost 80
              [(2, 1, 6, '', ('127.0.0.1', 80)), (10, 1, 6, '', ('::1', 80))]
            """);
        CommonOptions common = CommonOptions.AddTo(command, families: false, hex: false);
        command.SetAction(r => Run(common.Begin(r), r.GetValue(host)!, r.GetValue(port), r.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(Reporter report, string host, int port, TextWriter output)
    {
        IReadOnlyList<AddrInfo> entries;
        try
        {
            entries = USocket.GetAddrInfo(host, port);
        }
        catch (UsocketException e)
        {
            report.Failed("getaddrinfo", e);
            return ExitCodes.SocketError;
        }

        output.WriteLine(PyRepr.List(entries));
        report.Event("resolved", w =>
        {
            w.WriteString("host", host);
            w.WriteNumber("port", port);
            w.WriteStartArray("entries");
            foreach (AddrInfo e in entries)
            {
                w.WriteStartObject();
                w.WriteNumber("family", e.Family);
                w.WriteNumber("type", e.Type);
                w.WriteNumber("proto", e.Proto);
                w.WriteString("canonname", e.CanonName);
                JsonEvents.WriteAddress(w, e.SockAddr);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        return ExitCodes.Ok;
    }
}
