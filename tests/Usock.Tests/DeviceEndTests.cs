using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// How a device program ends on the PC: <c>misc.Power</c> restart (121) and power-down (122), a <c>machine.WDT</c>
/// not fed in time (123), <c>net.setModemFun(fun, 1)</c> (a restart), each with its line on stderr.
/// </summary>
public sealed class DeviceEndTests
{
    [Theory]
    [InlineData("import misc; print('before', flush=True); misc.Power.powerRestart(); print('after')", 121, "misc.Power.powerRestart(): the device restarts; the run ends (exit 121)")]
    [InlineData("import misc; print('before', flush=True); misc.Power.powerDown(); print('after')", 122, "misc.Power.powerDown(): the device powers off; the run ends (exit 122)")]
    [InlineData("import net; print('before', flush=True); net.setModemFun(1, 1); print('after')", 121, "net.setModemFun(1, 1) restarts the device; the run ends (exit 121)")]
    public void Power_calls_end_the_run_with_their_exit_code_and_a_line(string code, int exit, string line)
    {
        CliProcess.Result r = PythonScripts.Run("-c", code);
        Assert.Equal(exit, r.ExitCode);
        Assert.Equal("before\n", r.StdOut);
        Assert.Equal($"usock: {line}\n", r.StdErr);
    }

    [Fact]
    public void Power_restart_from_a_thread_ends_the_whole_run()
    {
        const string Code = """
            import _thread, misc, queue
            _thread.start_new_thread(misc.Power.powerRestart, ())
            queue.Queue().get()
            """;
        CliProcess.Result r = PythonScripts.Run("-c", Code);
        Assert.Equal(121, r.ExitCode);
    }

    [Fact]
    public void A_watchdog_not_fed_ends_the_run_with_123()
    {
        const string Code = """
            import machine, queue
            wdt = machine.WDT(1)
            print('armed', flush=True)
            queue.Queue().get()
            """;
        CliProcess.Result r = PythonScripts.Run("-c", Code);
        Assert.Equal(123, r.ExitCode);
        Assert.Equal("armed\n", r.StdOut);
        Assert.Equal("usock: machine.WDT: not fed for 1 s, the watchdog resets the device; the run ends (exit 123)\n", r.StdErr);
    }

    [Fact]
    public void A_fed_or_stopped_watchdog_lets_the_program_end_normally()
    {
        // Fed every 100 ms for 2 s against a 2 s period: 20 times the slack of one feeding interval.
        const string Code = """
            import machine, utime
            wdt = machine.WDT(2)
            for _ in range(20):
                utime.sleep_ms(100)
                assert wdt.feed() == 0
            assert wdt.stop() == 0
            for bad in ('1', 0):
                try:
                    machine.WDT(bad)
                    raise AssertionError(bad)
                except (TypeError, ValueError):
                    pass
            print('fed')
            """;
        CliProcess.Result r = PythonScripts.Run("-c", Code);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("fed\n", r.StdOut);
    }
}
