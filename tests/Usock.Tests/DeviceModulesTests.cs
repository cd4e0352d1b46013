using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The device's other modules under <c>usock run</c>: identity (<c>modem</c>, <c>--imei</c>), <c>sys.print_exception</c>,
/// QuecPython's <c>_thread</c> extras, the hardware stand-ins' documented values, and modules a PC cannot have.
/// </summary>
public sealed class DeviceModulesTests
{
    [Fact]
    public void Modem_reports_the_imei_of_the_option_over_the_environment_and_defaults_otherwise()
    {
        PythonScripts.SkipUnlessPython();
        const string Code = "import modem; print(modem.getDevImei(), modem.getDevModel(), modem.getDevSN(), modem.getDevFwVersion(), modem.getDevProductId())";
        var env = new Dictionary<string, string?> { ["USOCK_IMEI"] = "111111111111111", ["USOCK_MODEL"] = "EC200U" };
        Assert.Equal("866123456789012 EC200U USOCK00000000001 EC600NCNLCR01A01M16_OCPU_QPY_USOCK Quectel\n",
            CliProcess.RunWith(null, env, "run", "--imei", "866123456789012", "-c", Code).StdOut);
        Assert.Equal("111111111111111 EC200U USOCK00000000001 EC600NCNLCR01A01M16_OCPU_QPY_USOCK Quectel\n",
            CliProcess.RunWith(null, env, "run", "-c", Code).StdOut);
        Assert.Equal("860000000000000 EC600N USOCK00000000001 EC600NCNLCR01A01M16_OCPU_QPY_USOCK Quectel\n",
            CliProcess.RunWith(null, new Dictionary<string, string?> { ["USOCK_IMEI"] = null, ["USOCK_MODEL"] = null }, "run", "-c", Code).StdOut);
    }

    [Fact]
    public void Print_exception_prints_the_micropython_traceback_to_stdout_or_the_file_given()
    {
        const string Code = """
            import sys, usys
            def fail():
                raise ValueError('bad value')
            try:
                fail()
            except Exception as e:
                sys.print_exception(e)
                usys.print_exception(e, sys.stderr)
            try:
                raise OSError(110)
            except OSError as e:
                sys.print_exception(e)
            try:
                sys.print_exception('not an exception')
            except TypeError:
                print('TypeError')
            """;
        CliProcess.Result r = PythonScripts.Run("-c", Code);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        const string Tb = "Traceback (most recent call last):\n  File \"<string>\", line 5, in <module>\n  File \"<string>\", line 3, in fail\nValueError: bad value\n";
        Assert.Equal(Tb + "Traceback (most recent call last):\n  File \"<string>\", line 10, in <module>\nOSError: 110\nTypeError\n", r.StdOut);
        Assert.Equal(Tb, r.StdErr);
    }

    [Fact]
    public void Stop_thread_ends_a_running_thread_and_threadIsRunning_sees_it()
    {
        const string Code = """
            import _thread, utime
            started = _thread.allocate_lock()
            started.acquire()
            def spin():
                started.release()
                while True:
                    utime.sleep_ms(10)
            tid = _thread.start_new_thread(spin, ())
            started.acquire()
            assert _thread.threadIsRunning(tid)
            _thread.stop_thread(tid)
            for _ in range(3000):
                if not _thread.threadIsRunning(tid):
                    break
                utime.sleep_ms(10)
            assert not _thread.threadIsRunning(tid)
            import queue
            said = queue.Queue()
            def stop_myself():
                try:
                    _thread.stop_thread(0)
                except SystemExit:
                    said.put('0 stops the calling thread')
            _thread.start_new_thread(stop_myself, ())
            print(said.get())
            try:
                _thread.stop_thread(_thread.get_ident())
            except ValueError:
                print('not the main thread')
            try:
                _thread.stop_thread('1')
            except TypeError:
                print('TypeError')
            sem = _thread.allocate_semphore(2)
            assert sem.acquire() and sem.getCnt() == (2, 1)
            sem.release()
            assert sem.getCnt() == (2, 2)
            lock = _thread.allocate_lock()
            _thread.delete_lock(lock)
            print('stopped', _thread.get_heap_size() > 0, _thread.stack_size(8192) >= 0)
            """;
        CliProcess.Result r = PythonScripts.Run("-c", Code);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("0 stops the calling thread\nnot the main thread\nTypeError\nstopped True True\n", r.StdOut);
    }

    [Theory]
    [InlineData("lvgl", "no display on the PC")]
    [InlineData("camera", "no camera on the PC")]
    [InlineData("voiceCall", "no voice calls without a modem")]
    public void A_module_a_pc_cannot_have_fails_its_import_with_one_line(string module, string why)
    {
        CliProcess.Result r = PythonScripts.Run("-c", $"try:\n    import {module}\nexcept ImportError as e:\n    print(e)");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal($"usock run: no module '{module}' on the PC: {why}\n", r.StdOut);
    }

    [Fact]
    public void The_stand_ins_return_their_documented_values()
    {
        const string Code = """
            import misc, machine, pm, sms, audio, cellLocator, quecgnss, fota, app_fota, net
            assert misc.Power.powerOnReason() == 1 and misc.Power.getVbatt() == 3800
            adc = misc.ADC(); assert adc.open() == 0 and adc.read(misc.ADC.ADC0) == 0
            pin = machine.Pin(machine.Pin.GPIO1, machine.Pin.OUT, machine.Pin.PULL_DISABLE, 0)
            assert pin.write(1) == 0 and pin.read() == 1
            try:
                pin.write(2)
                raise AssertionError('pin')
            except ValueError:
                pass
            rtc = machine.RTC()
            assert rtc.datetime((2030, 1, 2, 0, 3, 4, 5, 0)) == 0
            y, mo, d, wd, h, mi, s, us = rtc.datetime()
            assert (y, mo, d, h, mi) == (2030, 1, 2, 3, 4) and wd == 3, rtc.datetime()
            lock = pm.create_wakelock('net', 3)
            assert pm.wakelock_lock(lock) == 0 and pm.get_wakelock_num() == 1 and pm.autosleep(1) == 0
            assert pm.wakelock_unlock(lock) == 0 and pm.delete_wakelock(lock) == 0
            assert sms.sendTextMsg('+10000', 'hello', 'GSM') == 0 and sms.getMsgNums() == 0
            assert audio.Audio(0).play(2, 1, 'U:/a.mp3') == 0
            assert cellLocator.getLocation('www.example.invalid', 80, 'token', 8, 1) == (116.397128, 39.916527, 550)
            assert quecgnss.init() == 0 and quecgnss.read(100) == -1 and quecgnss.gnssEnable(1) == 0
            n, nmea = quecgnss.read(4096)
            assert nmea.startswith(b'$GNGGA,') and b'$GNRMC,' in nmea and n == len(nmea)
            assert net.getModemFun() == 1 and net.operatorName()[0] == 'USOCK' and len(net.getSignal(1)[1]) == 5
            print('stand-ins OK')
            """;
        CliProcess.Result r = PythonScripts.Run("-c", Code);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("stand-ins OK\n", r.StdOut);
        Assert.Equal("usock: sms to +10000 not sent (no modem): hello\n", r.StdErr);
    }
}
