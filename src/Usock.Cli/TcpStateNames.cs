namespace Usock.Cli;

/// <summary>The names of <see cref="USocket.GetSocketSta"/>'s values as lwIP and the module documentation spell them.</summary>
internal static class TcpStateNames
{
    private static readonly string[] Names =
    [
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
        "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
    ];

    /// <summary>The state's name, e.g. <c>ESTABLISHED</c> for 4; <c>CLOSED_SOCKET</c> for -1 (after close).</summary>
    public static string Name(int state) => state >= 0 && state < Names.Length ? Names[state] : state == -1 ? "CLOSED_SOCKET" : "UNKNOWN";
}
