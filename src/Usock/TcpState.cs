namespace Usock;

/// <summary>TCP states as <see cref="USocket.GetSocketSta"/> reports them (lwIP's numbering).</summary>
public enum TcpState
{
    /// <summary>0: created and not in use, or closed.</summary>
    Closed = 0,
    /// <summary>1: listening for connections.</summary>
    Listen = 1,
    /// <summary>2: SYN sent, waiting for the answer.</summary>
    SynSent = 2,
    /// <summary>3: SYN received, waiting for the ACK of ours.</summary>
    SynRcvd = 3,
    /// <summary>4: connected.</summary>
    Established = 4,
    /// <summary>5: our FIN sent, nothing back yet.</summary>
    FinWait1 = 5,
    /// <summary>6: our FIN acknowledged, waiting for the peer's.</summary>
    FinWait2 = 6,
    /// <summary>7: the peer closed; we have not.</summary>
    CloseWait = 7,
    /// <summary>8: both sides closing at once.</summary>
    Closing = 8,
    /// <summary>9: the peer closed, then we did; waiting for the last ACK.</summary>
    LastAck = 9,
    /// <summary>10: both closed; waiting 2·MSL before the address is free.</summary>
    TimeWait = 10,
}
