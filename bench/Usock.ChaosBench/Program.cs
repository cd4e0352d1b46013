// Side-by-side relay benchmark: the same client and server (in this process) talk directly, through
// `usock chaos` (no fault) and through `socat TCP-LISTEN:...,fork TCP:...`, both proxies separate processes.
// Usage: Usock.ChaosBench [--bytes N] [--rts N] [--many N] [--repeat N] [--usock PATH-TO-Usock.Cli.dll]
// Pin everything to one CPU with taskset: `taskset -c 0 Usock.ChaosBench` (the proxies inherit the affinity).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

long bulkBytes = 1L << 30;
int rts = 20_000;
int many = 1000;
int repeat = 3;
string? usockDll = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--bytes": bulkBytes = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rts": rts = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--many": many = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--repeat": repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--usock": usockDll = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

usockDll ??= FindCli();
bool haveSocat = File.Exists("/usr/bin/socat");
using var sink = new Server(echo: false);
using var echo = new Server(echo: true);
Console.WriteLine($"CPUs usable: {Environment.ProcessorCount}, bulk {bulkBytes:N0} B, {rts:N0} round trips of 64 B, {many} concurrent connections, {repeat} repetitions");

var results = new Dictionary<string, List<double>>();
void Add(string key, double v) => (results.TryGetValue(key, out List<double>? l) ? l : results[key] = []).Add(v);

for (int r = 0; r < repeat; r++)
{
    foreach (string via in haveSocat ? new[] { "direct", "usock", "socat" } : new[] { "direct", "usock" })
    {
        using Relay? bulkRelay = via == "direct" ? null : Relay.Start(via, sink.Port, usockDll);
        int bulkPort = bulkRelay?.Port ?? sink.Port;
        Add($"bulk MB/s {via}", Bulk(bulkPort, bulkBytes));
        using Relay? pingRelay = via == "direct" ? null : Relay.Start(via, echo.Port, usockDll);
        Add($"pingpong µs {via}", PingPong(pingRelay?.Port ?? echo.Port, rts));
    }

    using (Relay manyRelay = Relay.Start("usock", echo.Port, usockDll))
    {
        Add("many s usock", Many(manyRelay.Port, many));
    }

    Console.WriteLine($"repetition {r + 1} done");
}

Console.WriteLine();
Console.WriteLine("| measure | median (min–max) |");
Console.WriteLine("|---|---|");
foreach ((string key, List<double> values) in results)
{
    values.Sort();
    Console.WriteLine($"| {key} | {values[values.Count / 2]:F2} ({values[0]:F2}–{values[^1]:F2}) |");
}

double Median(string key) => results[key].OrderBy(x => x).ElementAt(results[key].Count / 2);
if (haveSocat)
{
    Console.WriteLine($"bulk usock / socat: {Median("bulk MB/s usock") / Median("bulk MB/s socat"):F2}x");
}

Console.WriteLine($"added ping-pong latency, usock: {Median("pingpong µs usock") - Median("pingpong µs direct"):F2} µs" + (haveSocat ? $", socat: {Median("pingpong µs socat") - Median("pingpong µs direct"):F2} µs" : ""));
return 0;

static double Bulk(int port, long bytes)
{
    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    s.Connect(IPAddress.Loopback, port);
    byte[] chunk = new byte[64 * 1024];
    var sw = Stopwatch.StartNew();
    long sent = 0;
    while (sent < bytes)
    {
        sent += s.Send(chunk, (int)Math.Min(chunk.Length, bytes - sent), SocketFlags.None);
    }

    s.Shutdown(SocketShutdown.Send);
    byte[] count = new byte[8];
    int got = 0;
    while (got < 8)
    {
        int n = s.Receive(count, got, 8 - got, SocketFlags.None);
        if (n == 0)
        {
            throw new IOException("the sink closed without its count");
        }

        got += n;
    }

    long received = BitConverter.ToInt64(count);
    if (received != bytes)
    {
        throw new IOException($"the sink counted {received} of {bytes} bytes");
    }

    return bytes / sw.Elapsed.TotalSeconds / 1e6;
}

static double PingPong(int port, int count)
{
    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    s.Connect(IPAddress.Loopback, port);
    byte[] b = new byte[64];
    var times = new double[count];
    for (int i = -1000; i < count; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        s.Send(b);
        int got = 0;
        while (got < 64)
        {
            got += s.Receive(b, got, 64 - got, SocketFlags.None);
        }

        if (i >= 0)
        {
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
    }

    Array.Sort(times);
    return times[count / 2];
}

static double Many(int port, int count)
{
    var sw = Stopwatch.StartNew();
    var sockets = new List<Socket>();
    try
    {
        for (int i = 0; i < count; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 30_000 };
            s.Connect(IPAddress.Loopback, port);
            sockets.Add(s);
        }

        // Every connection open at once: each echoes a message through the proxy.
        byte[] b = new byte[16];
        foreach (Socket s in sockets)
        {
            s.Send(b);
        }

        foreach (Socket s in sockets)
        {
            int got = 0;
            while (got < 16)
            {
                int n = s.Receive(b, got, 16 - got, SocketFlags.None);
                if (n == 0)
                {
                    throw new IOException("a proxied connection closed");
                }

                got += n;
            }
        }

        return sw.Elapsed.TotalSeconds;
    }
    finally
    {
        foreach (Socket s in sockets)
        {
            s.Dispose();
        }
    }
}

static string FindCli()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Usock.slnx")))
    {
        dir = dir.Parent;
    }

    string config = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    return Path.Combine(dir!.FullName, "src", "Usock.Cli", "bin", config, "net10.0", "Usock.Cli.dll");
}

/// <summary>A proxy process: usock chaos, or socat.</summary>
internal sealed partial class Relay : IDisposable
{
    private readonly Process _process;

    private Relay(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static Relay Start(string kind, int upstream, string usockDll)
    {
        var psi = new ProcessStartInfo { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        int port = 0;
        if (kind == "usock")
        {
            psi.FileName = "dotnet";
            foreach (string a in new[] { usockDll, "chaos", "0", "127.0.0.1", upstream.ToString(CultureInfo.InvariantCulture) })
            {
                psi.ArgumentList.Add(a);
            }
        }
        else
        {
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }

            psi.FileName = "socat";
            psi.ArgumentList.Add($"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr");
            psi.ArgumentList.Add($"TCP:127.0.0.1:{upstream}");
        }

        Process p = Process.Start(psi)!;
        if (kind == "usock")
        {
            string line;
            Match m;
            do
            {
                line = p.StandardError.ReadLine() ?? throw new IOException("usock chaos ended before listening");
                m = Listening().Match(line);
            }
            while (!m.Success);
            port = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        // Wait until it accepts.
        for (int i = 0; i < 200; i++)
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException)
            {
                Thread.Sleep(25);
            }
        }

        return new Relay(p, port);
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on \('[^']*', (\d+)\)")]
    private static partial Regex Listening();
}

/// <summary>A sink (counts bytes, answers the count at the end) or an echo server: async, one task per connection.</summary>
internal sealed class Server : IDisposable
{
    private readonly Socket _listener;

    public Server(bool echo)
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4096);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _ = Accept(echo);
    }

    public int Port { get; }

    public void Dispose() => _listener.Dispose();

    private async Task Accept(bool echo)
    {
        while (true)
        {
            Socket c;
            try
            {
                c = await _listener.AcceptAsync();
            }
            catch (Exception)
            {
                return;
            }

            c.NoDelay = true;
            _ = echo ? Echo(c) : Sink(c);
        }
    }

    private static async Task Sink(Socket c)
    {
        using (c)
        {
            byte[] b = new byte[256 * 1024];
            long total = 0;
            int n;
            while ((n = await c.ReceiveAsync(b)) > 0)
            {
                total += n;
            }

            if (total > 0)
            {
                await c.SendAsync(BitConverter.GetBytes(total));
            }
        }
    }

    private static async Task Echo(Socket c)
    {
        using (c)
        {
            byte[] b = new byte[4096];
            try
            {
                int n;
                while ((n = await c.ReceiveAsync(b)) > 0)
                {
                    await c.SendAsync(b.AsMemory(0, n));
                }
            }
            catch (SocketException)
            {
            }
        }
    }
}
