using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Usock.Chaos;

/// <summary>
/// The control surface as text, one command per line and one reply line per command (<c>ok ...</c> or
/// <c>error ...</c>), for stdin or a local TCP endpoint (<see cref="Serve"/>):
/// <list type="bullet">
/// <item><c>add FAULT</c> (e.g. <c>add latency 100ms~20ms dir=down</c>) → <c>ok ID</c></item>
/// <item><c>set ID FAULT</c> replaces fault ID; <c>remove ID</c>; <c>clear</c></item>
/// <item><c>down</c> / <c>up</c>: a <c>down</c> fault named "down", added or removed</item>
/// <item><c>list</c> → <c>ok ID: FAULT | ID: FAULT ...</c>; <c>stats</c> → connections open and in total</item>
/// </list>
/// </summary>
public sealed class ChaosControl(ChaosProxy proxy)
{
    /// <summary>Runs one command line and returns the reply line.</summary>
    public string Execute(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string text = line.Trim();
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        string verb = (space < 0 ? text : text[..space]).ToLowerInvariant();
        string rest = space < 0 ? "" : text[(space + 1)..].Trim();
        try
        {
            switch (verb)
            {
                case "add":
                    return Ok(proxy.AddFault(FaultText.Parse(rest)).ToString(CultureInfo.InvariantCulture));
                case "set":
                    {
                        int sp = rest.IndexOf(' ', StringComparison.Ordinal);
                        int id = Id(sp < 0 ? rest : rest[..sp]);
                        return proxy.ReplaceFault(id, FaultText.Parse(sp < 0 ? "" : rest[(sp + 1)..])) ? Ok() : NoSuch(id);
                    }

                case "remove" or "rm" or "del":
                    {
                        int id = Id(rest);
                        return proxy.RemoveFault(id) ? Ok() : NoSuch(id);
                    }

                case "clear":
                    proxy.ClearFaults();
                    return Ok();
                case "down":
                    if (!proxy.Faults.Any(f => f.Value.Kind == FaultKind.Down && f.Value.Name == "down"))
                    {
                        proxy.AddFault(Fault.Down() with { Name = "down" });
                    }

                    return Ok();
                case "up":
                    foreach (KeyValuePair<int, Fault> f in proxy.Faults.Where(f => f.Value.Kind == FaultKind.Down))
                    {
                        proxy.RemoveFault(f.Key);
                    }

                    return Ok();
                case "list":
                    return Ok(string.Join(" | ", proxy.Faults.Select(f => $"{f.Key}: {FaultText.Format(f.Value)}")));
                case "stats":
                    return Ok(string.Create(CultureInfo.InvariantCulture, $"open {proxy.ActiveConnections} total {proxy.TotalConnections} elapsed {proxy.Elapsed.TotalSeconds:0.###}s"));
                case "help" or "":
                    return Ok("add FAULT | set ID FAULT | remove ID | clear | down | up | list | stats");
                default:
                    return $"error unknown command '{verb}' (add, set, remove, clear, down, up, list, stats)";
            }
        }
        catch (ArgumentException e)
        {
            return $"error {e.Message}";
        }
    }

    /// <summary>
    /// Serves the commands on a TCP listener (one line in, one line out, any number of clients) until
    /// <paramref name="cancellationToken"/> is cancelled. Bind it to loopback only.
    /// </summary>
    public async Task Serve(Socket listener, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listener);
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket c;
            try
            {
                c = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = Converse(c, cancellationToken);
        }
    }

    /// <summary>A listener for <see cref="Serve"/> on 127.0.0.1, port <paramref name="port"/> (0: any free port).</summary>
    public static Socket Listen(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, port));
        s.Listen(8);
        return s;
    }

    private async Task Converse(Socket c, CancellationToken cancellationToken)
    {
        using (c)
        {
            using var stream = new NetworkStream(c, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            try
            {
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    await writer.WriteLineAsync(Execute(line)).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // the controller went away
            }
        }
    }

    private static int Id(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id : throw new ArgumentException($"'{text}' is not a fault id");

    private static string Ok(string? detail = null) => detail is null or "" ? "ok" : $"ok {detail}";

    private static string NoSuch(int id) => string.Create(CultureInfo.InvariantCulture, $"error no fault {id}");
}
