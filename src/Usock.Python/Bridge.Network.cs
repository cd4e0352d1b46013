using Usock.Python.Network;

namespace Usock.Python;

/// <summary>The device's network (<c>usock run --network</c>) as the modem modules see it (<c>_usock_modem.py</c>).</summary>
public static partial class Bridge
{
    /// <summary>Whether this run follows a network scenario.</summary>
    /// <returns>True with <c>--network</c>.</returns>
    public static bool NetworkActive() => DeviceNetwork.Current is not null;

    /// <summary>Whether the data call is up.</summary>
    /// <returns>True when registered with the data call up.</returns>
    public static bool NetworkAttached() => Net.Attached;

    /// <summary>The registration state <c>net.getState()[1][0]</c> reports.</summary>
    /// <returns>1 registered, 2 searching, 0 not searching (the radio off).</returns>
    public static int NetworkRegistration() => Net.Registration;

    /// <summary>The signal's CSQ.</summary>
    /// <returns>0-31, or 99 when unknown.</returns>
    public static int NetworkCsq() => Net.Csq;

    /// <summary>The modem function.</summary>
    /// <returns>0, 1 or 4.</returns>
    public static int NetworkFun() => Net.Fun;

    /// <summary><c>net.setModemFun(fun)</c>: off takes the data call down, on attaches after <paramref name="attachMs"/>.</summary>
    public static void NetworkSetModemFun(int fun, int attachMs) => Net.SetModemFun(fun, attachMs, "modem");

    /// <summary>Waits for the next data-call change after <paramref name="after"/> (for the <c>dataCall</c> callback).</summary>
    /// <returns><c>[seq, state]</c>, or an empty array when <paramref name="timeoutMs"/> passed first.</returns>
    public static long[] NetworkWaitChange(long after, int timeoutMs) =>
        Net.WaitChange(after, timeoutMs) is { } c ? [c.Seq, c.State] : [];

    /// <summary>The program did <paramref name="what"/> (e.g. <c>setCallback</c>): may start the scenario's clock.</summary>
    public static void NetworkMark(string what) => Net.Mark(what);

    private static DeviceNetwork Net => DeviceNetwork.Current ?? throw new InvalidOperationException("no --network scenario in this run");
}
