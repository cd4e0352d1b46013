using System.Globalization;
using System.Runtime.CompilerServices;
using Usock.Chaos;

namespace Usock.Python.Network;

/// <summary>TCP keepalive and the carrier's NAT: the relay sees only data, so the probes are reckoned from the option.</summary>
internal sealed partial class DeviceNetwork
{
    /// <summary>The firmware's keepalive: after the idle time the option sets, a probe every 25 s.</summary>
    public static readonly TimeSpan KeepaliveInterval = TimeSpan.FromSeconds(25);

    private readonly ConditionalWeakTable<USocket, StrongBox<int>> _keepalive = [];

    /// <summary>
    /// The rule: a connection whose socket has the device's <c>TCP_KEEPALIVE</c> on (<paramref name="minutes"/> > 0) is
    /// never idle for the NAT when its first probe comes before the NAT forgets it (minutes·60 s shorter than
    /// <paramref name="natIdle"/>) and so do the next ones (every 25 s): each probe and its answer cross the NAT.
    /// </summary>
    public static bool KeepaliveKeepsNatOpen(int minutes, TimeSpan natIdle) =>
        minutes > 0 && TimeSpan.FromMinutes(minutes) < natIdle && KeepaliveInterval < natIdle;

    /// <summary>Notes an option the program set on <paramref name="socket"/>: <c>TCP_KEEPALIVE</c> (minutes) goes on the
    /// timeline with what it does against the scenario's NAT idle timeout.</summary>
    public void NoteOption(USocket socket, int optname, int value)
    {
        if (optname != USocket.TCP_KEEPALIVE || socket.Type != USocket.SOCK_STREAM)
        {
            return;
        }

        _keepalive.AddOrUpdate(socket, new StrongBox<int>(value));
        string? detail = _scenario.Faults.FirstOrDefault(f => f.Kind == FaultKind.NatIdle) is { } nat
            ? string.Create(CultureInfo.InvariantCulture, $"{(KeepaliveKeepsNatOpen(value, nat.Duration) ? "keeps" : "does not keep")} the NAT mapping (idle timeout {nat.Duration.TotalSeconds:0.###} s) open")
            : null;
        Timeline.Write(Now, "socket", "keepalive", peer: PeerOf(socket) is { } a ? $"{a.Host}:{a.Port}" : null, value: value, detail: detail);
    }

    /// <summary>Whether the keepalive set on <paramref name="socket"/> keeps a NAT mapping idle for <paramref name="natIdle"/> open.</summary>
    public bool KeepsNatOpen(USocket socket, TimeSpan natIdle) =>
        _keepalive.TryGetValue(socket, out StrongBox<int>? m) && KeepaliveKeepsNatOpen(m.Value, natIdle);
}
