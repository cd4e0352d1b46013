using System.Diagnostics;
using System.Text;

namespace Usock.Loopback;

/// <summary>
/// The scenarios. Each has a server half and a client half run in two processes; the half that can see the
/// whole exchange prints the figure (<c>RESULT value unit</c>).
/// </summary>
internal static class Scenarios
{
    public static readonly string[] All = ["bulk", "pingpong", "connect", "udp", "lines", "many"];

    public static string Unit(string scenario) => scenario switch
    {
        "bulk" => "MB/s",
        "pingpong" => "us/rt",
        "connect" => "cycles/s",
        "udp" => "rt/s",
        "lines" => "lines/s",
        "many" => "KiB RSS/conn",
        _ => throw new ArgumentException($"unknown scenario {scenario}"),
    };

    /// <summary>True when a bigger figure is better.</summary>
    public static bool HigherIsBetter(string scenario) => scenario is not ("pingpong" or "many");

    public static void Serve(IImpl impl, string scenario, Sizes z, TextWriter control)
    {
        if (scenario == "many")
        {
            impl.ServeMany(z.Connections, control);
            return;
        }

        if (scenario == "udp")
        {
            using IUdp u = impl.Udp();
            control.WriteLine($"PORT {u.Port}");
            control.Flush();
            var buf = new byte[2048];
            for (int i = 0; i < z.Datagrams + (z.Datagrams / 10); i++)
            {
                int n = u.RecvFrom(buf, out int port);
                u.SendTo(buf.AsSpan(0, n), port);
            }

            return;
        }

        using IListener l = impl.Listen(4096);
        control.WriteLine($"PORT {l.Port}");
        control.Flush();
        switch (scenario)
        {
            case "bulk":
                {
                    using IConn c = l.Accept();
                    var buf = new byte[64 * 1024];
                    long total = 0;
                    int n;
                    while ((n = c.ReadExactly(buf)) > 0)
                    {
                        total += n;
                    }

                    c.SendAll([(byte)'K']);
                    if (total != z.BulkBytes)
                    {
                        throw new InvalidOperationException($"bulk: received {total} of {z.BulkBytes} bytes");
                    }

                    break;
                }

            case "pingpong":
                {
                    using IConn c = l.Accept();
                    var buf = new byte[64];
                    while (c.ReadExactly(buf) == buf.Length)
                    {
                        c.SendAll(buf);
                    }

                    break;
                }

            case "connect":
                {
                    using IConn controlConn = l.Accept();
                    for (int i = 0; i < z.Cycles + (z.Cycles / 10); i++)
                    {
                        l.Accept().Dispose();
                    }

                    controlConn.SendAll([(byte)'K']);
                    controlConn.RecvSome(new byte[1]);
                    break;
                }

            case "lines":
                {
                    using IConn c = l.Accept();
                    long lines = 0;
                    byte[] first = c.ReadLine();
                    var sw = Stopwatch.StartNew();
                    if (first.Length > 0)
                    {
                        lines++;
                        while (c.ReadLine().Length > 0)
                        {
                            lines++;
                        }
                    }

                    double seconds = sw.Elapsed.TotalSeconds;
                    if (lines != z.Lines)
                    {
                        throw new InvalidOperationException($"lines: read {lines} of {z.Lines}");
                    }

                    control.WriteLine($"RESULT {lines / seconds:F0}");
                    break;
                }

            default:
                throw new ArgumentException($"unknown scenario {scenario}");
        }
    }

    public static void Client(IImpl impl, string scenario, int port, Sizes z, TextWriter control)
    {
        switch (scenario)
        {
            case "bulk":
                {
                    using IConn c = impl.Connect(port);
                    var chunk = new byte[64 * 1024];
                    Random.Shared.NextBytes(chunk);
                    long sends = z.BulkBytes / chunk.Length;
                    var sw = Stopwatch.StartNew();
                    for (long i = 0; i < sends; i++)
                    {
                        c.SendAll(chunk);
                    }

                    c.ShutdownWrite();
                    c.ReadExactly(new byte[1]);
                    control.WriteLine($"RESULT {z.BulkBytes / sw.Elapsed.TotalSeconds / 1e6:F0}");
                    break;
                }

            case "pingpong":
                {
                    using IConn c = impl.Connect(port);
                    var buf = new byte[64];

                    // Warm up for a second, not a count: the JIT's tiering moves a method to optimized code only after
                    // a quiet 100 ms and a background compile, and 1,000 round trips (~15 ms) left part of the timed
                    // run in unoptimized code (more of it for a library with more layers).
                    var warm = Stopwatch.StartNew();
                    for (int i = 0; i < 1000 || warm.ElapsedMilliseconds < 1000; i++)
                    {
                        c.SendAll(buf);
                        c.ReadExactly(buf);
                    }

                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < z.RoundTrips; i++)
                    {
                        c.SendAll(buf);
                        c.ReadExactly(buf);
                    }

                    control.WriteLine($"RESULT {sw.Elapsed.TotalMicroseconds / z.RoundTrips:F2}");
                    break;
                }

            case "connect":
                {
                    using IConn controlConn = impl.Connect(port);
                    for (int i = 0; i < z.Cycles / 10; i++)
                    {
                        impl.Connect(port).Dispose(); // warm-up, as for udp
                    }

                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < z.Cycles; i++)
                    {
                        impl.Connect(port).Dispose();
                    }

                    controlConn.ReadExactly(new byte[1]); // the server has accepted them all
                    control.WriteLine($"RESULT {z.Cycles / sw.Elapsed.TotalSeconds:F0}");
                    controlConn.SendAll([(byte)'K']);
                    break;
                }

            case "udp":
                {
                    using IUdp u = impl.Udp();
                    var buf = new byte[512];
                    var back = new byte[2048];
                    for (int i = 0; i < z.Datagrams / 10; i++)
                    {
                        u.SendTo(buf, port); // warm-up: lets the JIT finish before the clock starts, on both sides
                        u.RecvFrom(back, out _);
                    }

                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < z.Datagrams; i++)
                    {
                        u.SendTo(buf, port);
                        u.RecvFrom(back, out _);
                    }

                    control.WriteLine($"RESULT {z.Datagrams / sw.Elapsed.TotalSeconds:F0}");
                    break;
                }

            case "many":
                {
                    using IConn ctl = impl.Connect(port);
                    var conns = new List<IConn>(z.Connections);
                    var msg = new byte[64];
                    for (int i = 0; i < z.Connections; i++)
                    {
                        conns.Add(impl.Connect(port));
                    }

                    foreach (IConn c in conns)
                    {
                        c.SendAll(msg);
                    }

                    foreach (IConn c in conns)
                    {
                        if (c.ReadExactly(msg) != msg.Length)
                        {
                            throw new InvalidOperationException("many: a connection did not echo");
                        }
                    }

                    ctl.SendAll([(byte)'M']);
                    ctl.ReadExactly(new byte[1]);
                    conns.ForEach(c => c.Dispose());
                    break;
                }

            case "lines":
                {
                    using IConn c = impl.Connect(port);
                    byte[] block = LineBlock(1024);
                    for (long sent = 0; sent < z.Lines; sent += 1024)
                    {
                        c.SendAll(block.AsSpan(0, (int)Math.Min(1024, z.Lines - sent) * 64));
                    }

                    c.ShutdownWrite();
                    c.RecvSome(new byte[1]);
                    break;
                }

            default:
                throw new ArgumentException($"unknown scenario {scenario}");
        }
    }

    // 64-byte lines: 63 printable bytes and \n.
    private static byte[] LineBlock(int lines)
    {
        var sb = new StringBuilder(lines * 64);
        for (int i = 0; i < lines; i++)
        {
            sb.Append(i.ToString("D10")).Append(new string('x', 53)).Append('\n');
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}

/// <summary>How much work each scenario does.</summary>
internal sealed record Sizes(long BulkBytes, int RoundTrips, int Cycles, int Datagrams, long Lines, int Connections)
{
    public static readonly Sizes Full = new(1L << 30, 20_000, 5_000, 20_000, 1_000_000, 5_000);

    public static readonly Sizes Quick = new(64L << 20, 2_000, 500, 2_000, 100_000, 500);

    public string Args => $"{BulkBytes} {RoundTrips} {Cycles} {Datagrams} {Lines} {Connections}";

    public static Sizes Parse(string[] a, int at) => new(long.Parse(a[at]), int.Parse(a[at + 1]), int.Parse(a[at + 2]), int.Parse(a[at + 3]), long.Parse(a[at + 4]), int.Parse(a[at + 5]));
}
