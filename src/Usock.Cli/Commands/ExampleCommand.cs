using System.CommandLine;
using System.Globalization;
using System.Net.NetworkInformation;
using Usock.Examples;

namespace Usock.Cli.Commands;

/// <summary>
/// <c>usock example</c>: the usocket module documentation's example, line for line: check the network,
/// resolve, connect, send an HTTP GET, log <c>send N bytes</c>, receive 256 bytes, log <c>recv N bytes:</c>
/// and the text, close. With no <c>--host</c> it talks to a local HTTP server it starts on 127.0.0.1.
/// </summary>
internal static class ExampleCommand
{
    /// <summary>The host the documentation's example talks to; the local server stands in for it.</summary>
    public const string DocumentedHost = "www.tongxinmao.com";

    public static Command Create()
    {
        var host = new Option<string?>("--host") { Description = "Server to fetch /News from (default: a local server on 127.0.0.1 that the command starts)" };
        Option<int> port = Args.Number("--port", "Server port (1..65535)", 1, 65535, 80, "PORT");
        DurationOption timeout = Duration.Option("--timeout", "How long each socket call may wait (0: no limit, as on the device)", TimeSpan.FromSeconds(30));
        var command = new Command("example", "Run the usocket documentation's example (network check, resolve, connect, send GET, recv 256 bytes, close).")
        {
            host, port, timeout.Option,
        };
        command.WithExamples("""
            usock example
            usock example --host www.tongxinmao.com --port 80
            """);
        command.SetAction(result => Run(
            result.GetValue(host), result.GetValue(port), Duration.ToSocketTimeout(timeout.Get(result)),
            result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
        return command;
    }

    public static int Run(string? host, int port, double? timeout, TextWriter output, TextWriter error)
    {
        if (host is not null && host.Length == 0)
        {
            throw new ArgumentException("--host must not be empty.");
        }

        var log = new ModuleLog("SOCKET", output);
        using LocalHttpServer? server = host is null ? LocalHttpServer.Start() : null;
        if (server is not null)
        {
            error.WriteLine($"usock: no --host given: serving {DocumentedHost}/News from http://127.0.0.1:{server.Port} (a local stand-in)");
            host = "localhost";
            port = server.Port;
        }

        (int stagecode, int subcode) = CheckNet.WaitNetworkConnected(localOnly: server is not null);
        if (stagecode != 3 || subcode != 1)
        {
            log.Info($"Network connection failed! stagecode = {stagecode}, subcode = {subcode}");
            return ExitCodes.NoNetwork;
        }

        log.Info("Network connection successful!");

        string op = "socket";
        try
        {
            DocumentedExample.Run(host!, port, server is null ? host! : DocumentedHost, timeout, log.Info, step => op = step);
        }
        catch (UsocketException e)
        {
            error.WriteLine($"usock: {op} failed: {e.Message}");
            return ExitCodes.SocketError;
        }

        return ExitCodes.Ok;
    }

    /// <summary>The device's <c>checkNet.wait_network_connected</c>: (3, 1) when the network is up.</summary>
    private static class CheckNet
    {
        public static (int Stagecode, int Subcode) WaitNetworkConnected(bool localOnly)
        {
            bool up = localOnly
                ? NetworkInterface.GetAllNetworkInterfaces().Any(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback && n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
                : NetworkInterface.GetIsNetworkAvailable();
            return up ? (3, 1) : (1, 0);
        }
    }

    /// <summary>The device's <c>log</c> module at INFO: <c>INFO:NAME:message</c>.</summary>
    private sealed class ModuleLog(string name, TextWriter output)
    {
        public void Info(string message) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"INFO:{name}:{message}"));
    }
}
