using System.Net;

namespace Usock.Chaos;

/// <summary>How a <see cref="ChaosProxy"/> listens, where it forwards to, and what it records.</summary>
public sealed class ChaosProxyOptions
{
    /// <summary>Where the proxy listens; port 0 picks a free port (see <see cref="ChaosProxy.LocalEndPoint"/>). 127.0.0.1:0 by default.</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>The upstream (the program's peer): an IP address or a name, resolved for every new connection.</summary>
    public string UpstreamHost { get; set; } = "127.0.0.1";

    /// <summary>The upstream port.</summary>
    public int UpstreamPort { get; set; }

    /// <summary>Relay UDP datagrams instead of TCP connections.</summary>
    public bool Udp { get; set; }

    /// <summary>The seed of every random choice (toxicity per connection, jitter, loss): the same seed repeats a run.</summary>
    public long Seed { get; set; }

    /// <summary>The clock for delays, schedules and idle times (a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How often schedules, idle times and stall deadlines are checked (25 ms by default).</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Where the timeline goes (JSON lines), or null for none.</summary>
    public TextWriter? Timeline { get; set; }

    /// <summary>Whether the timeline lists every forwarded chunk (<c>data</c> events) too, not only opens, closes and faults.</summary>
    public bool TimelineData { get; set; } = true;

    /// <summary>Where the pcap goes, or null for none.</summary>
    public Stream? Pcap { get; set; }

    /// <summary>The relay buffer per direction of a connection (128 KiB by default).</summary>
    public int BufferSize { get; set; } = 128 * 1024;

    /// <summary>How long a connect to the upstream may take before the program's connection is reset (10 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The faults in force from the start.</summary>
    public IList<Fault> Faults { get; } = [];
}
