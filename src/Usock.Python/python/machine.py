# machine stand-in: Pin (levels kept in memory), Timer (software timers), RTC (the host clock plus an offset the
# program sets), WDT (a watchdog not fed in time ends the run, exit 123), UART (wired with --uart, _usock_uart).
import threading
import time

import _usock_device
import _usock_timer
from _usock_uart import UART  # noqa: F401


class Pin:
    IN, OUT = 0, 1
    PULL_DISABLE, PULL_PU, PULL_PD = 0, 1, 2

    def __init__(self, GPIOn, direction=0, pullMode=0, level=0):
        for name, value in (('GPIOn', GPIOn), ('direction', direction), ('pullMode', pullMode), ('level', level)):
            if type(value) is not int:
                raise TypeError('Pin: %s must be an integer, not %s' % (name, type(value).__name__))
        if direction not in (0, 1) or pullMode not in (0, 1, 2) or level not in (0, 1):
            raise ValueError('Pin: direction 0/1, pullMode 0/1/2, level 0/1')
        self._n = GPIOn
        self._dir = direction
        self._level = level if direction == 1 else (1 if pullMode == 1 else 0)

    def read(self):
        return self._level

    def write(self, value):
        if value not in (0, 1):
            raise ValueError('Pin.write: 0 or 1, not %r' % (value,))
        if self._dir != 1:
            return -1
        self._level = value
        return 0

    def set_dir(self, value):
        if value not in (0, 1):
            raise ValueError('Pin.set_dir: 0 (IN) or 1 (OUT)')
        self._dir = value
        return 0

    def get_dir(self):
        return self._dir


for _i in range(1, 48):
    setattr(Pin, 'GPIO%d' % _i, _i)


class ExtInt:
    IRQ_RISING, IRQ_FALLING, IRQ_RISING_FALLING = 0, 1, 2
    PULL_DISABLE, PULL_PU, PULL_PD = 0, 1, 2

    def __init__(self, GPIOn, mode, pull, callback):
        self._n = GPIOn

    def enable(self):
        return 0

    def disable(self):
        return 0

    def line(self):
        return self._n

    def read_level(self):
        return 0

    def read_count(self, is_reset=0):
        return [0, 0]

    def count_reset(self):
        return 0


for _i in range(1, 48):
    setattr(ExtInt, 'GPIO%d' % _i, _i)


class Timer:
    Timer0, Timer1, Timer2, Timer3 = 0, 1, 2, 3
    ONE_SHOT, PERIODIC = 0, 1

    def __init__(self, Timern):
        if type(Timern) is not int:
            raise TypeError('Timer: Timern must be an integer')
        if not 0 <= Timern <= 3:
            raise ValueError('Timer: Timer0 to Timer3, not %d' % Timern)
        self._engine = _usock_timer.Engine(self, 'machine.Timer')

    def start(self, period, mode, callback):
        if period < 1:
            raise ValueError('Timer.start: period >= 1 ms')
        if mode not in (0, 1):
            raise ValueError('Timer.start: mode ONE_SHOT or PERIODIC')
        self._engine.start(period, mode == 1, callback)
        return 0

    def stop(self):
        self._engine.stop()
        return 0


class RTC:
    """The host's local time plus an offset; datetime(...) moves the offset, never the host clock."""
    _offset = 0.0  # shared by every RTC object, as the device has one clock

    def __init__(self):
        self._alarm_cb = None

    def datetime(self, args=()):
        if not args:
            t = time.time() + RTC._offset
            tm = time.localtime(t)
            return (tm.tm_year, tm.tm_mon, tm.tm_mday, (tm.tm_wday + 1) % 7, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    int((t % 1) * 1000000))
        if len(args) != 8 or any(type(v) is not int for v in args):
            raise TypeError('RTC.datetime((year, month, day, week, hour, minute, second, microsecond))')
        year, month, day, _, hour, minute, second, _ = args
        if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
            raise ValueError('RTC.datetime: a date or time out of range')
        RTC._offset = time.mktime((year, month, day, hour, minute, second, 0, 0, -1)) - time.time()
        return 0

    def set_alarm(self, data_e):
        return 0  # accepted; the alarm never fires (the PC does not sleep or power off to be woken)

    def register_callback(self, fun):
        self._alarm_cb = fun
        return 0

    def enable_alarm(self, on_off):
        return 0


class WDT:
    """A software watchdog: not fed for `period` seconds, it ends the run as the device resets (exit 123)."""

    def __init__(self, period):
        if type(period) is not int:
            raise TypeError('WDT: period must be an integer (seconds)')
        if period < 1:
            raise ValueError('WDT: period must be >= 1 s, not %d' % period)
        self._period = period
        self._fed = threading.Condition()
        self._due = time.monotonic() + period
        self._running = True
        threading.Thread(target=self._watch, name='usock-wdt', daemon=True).start()

    def _watch(self):
        with self._fed:
            while self._running:
                left = self._due - time.monotonic()
                if left <= 0:
                    _usock_device.end(_usock_device.WATCHDOG,
                                      'machine.WDT: not fed for %d s, the watchdog resets the device' % self._period)
                self._fed.wait(left)

    def feed(self):
        with self._fed:
            self._due = time.monotonic() + self._period
            self._fed.notify()
        return 0

    def stop(self):
        with self._fed:
            self._running = False
            self._fed.notify()
        return 0
