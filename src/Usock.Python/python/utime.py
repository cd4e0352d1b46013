# utime, MicroPython's time module: ticks wrap at 2**30 ms as on the device; sleeps wake on Ctrl-C.
import time as _t

import clr  # noqa: F401
from System import Exception as _ClrError
from Usock.Python import Bridge as _B

_PERIOD = 1 << 30
_MASK = _PERIOD - 1
_HALF = _PERIOD // 2


def _sleep_ms(ms):
    try:
        _B.Sleep(float(ms))
    except _ClrError as e:
        import usocket
        raise usocket._err(e) from None


def sleep(seconds):
    _sleep_ms(seconds * 1000.0)


def sleep_ms(ms):
    _sleep_ms(ms)


def sleep_us(us):
    if us >= 1000:
        _sleep_ms(us / 1000.0)
    else:
        end = _t.perf_counter_ns() + us * 1000
        while _t.perf_counter_ns() < end:
            pass


def ticks_ms():
    return (_t.monotonic_ns() // 1000000) & _MASK


def ticks_us():
    return (_t.monotonic_ns() // 1000) & _MASK


def ticks_cpu():
    return _t.perf_counter_ns() & _MASK


def ticks_add(ticks, delta):
    return (ticks + delta) & _MASK


def ticks_diff(end, start):
    return ((end - start + _HALF) & _MASK) - _HALF


def time():
    return int(_t.time())


def time_ns():
    return _t.time_ns()


def localtime(secs=None):
    """(year, month, mday, hour, minute, second, weekday, yearday), weekday 0 = Monday."""
    tm = _t.localtime(secs)
    return (tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday)


def mktime(t):
    return int(_t.mktime((t[0], t[1], t[2], t[3], t[4], t[5], 0, 0, -1)))


def getTimeZone():
    return -_t.timezone // 3600
