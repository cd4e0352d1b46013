using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary><c>osTimer</c> under <c>usock run</c>: a heartbeat a real peer receives, and a callback that raises.</summary>
public sealed class OsTimerTests
{
    [Fact]
    public void A_periodic_heartbeat_reaches_the_peer_and_a_raising_callback_leaves_the_program_running()
    {
        PythonScripts.SkipUnlessPython();
        using var peer = new TcpPeer();
        using CliProcess.Running p = CliProcess.Start("run", PythonScripts.Script("device/heartbeat.py"), CliTest.Arg(peer.Port));
        string received = peer.ReadToEnd();
        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("beat 1\nbeat 2\nbeat 3\nbeat 4\nbeat 5\n", received); // five beats from the timer's thread, then the close
        Assert.Contains("heartbeat sent 5, callback raised 2", r.StdOut, StringComparison.Ordinal);
        // Each raise printed the MicroPython way (the program's frames only), and the timer went on.
        Assert.Contains("usock: the osTimer callback raised; the program goes on, as on the device:\nTraceback (most recent call last):\n  File \"", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("ValueError: boom 1\n", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("ValueError: boom 2\n", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("<usock>", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_timer_armed_when_main_returns_keeps_the_program_running_until_it_stops()
    {
        PythonScripts.SkipUnlessPython();
        using var peer = new TcpPeer();
        using CliProcess.Running p = CliProcess.Start("run", PythonScripts.Script("device/timer_after_main.py"), "127.0.0.1", CliTest.Arg(peer.Port));
        string received = peer.ReadToEnd();
        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("beat 1\nbeat 2\nbeat 3\n", received); // the device's heartbeat went on after main returned
    }
}
