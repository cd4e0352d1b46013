# The device's real-time clock on the PC: an offset from the host's clock, set by ntptime.settime (and meant for
# machine.RTC, which reads and sets the same offset). The host's clock itself is never changed.
import time as _t

_offset = 0.0


def set_unix(seconds):
    """Makes the RTC read `seconds` (Unix time, in the device's local time as the firmware keeps it) now."""
    global _offset
    _offset = float(seconds) - _t.time()


def unix():
    """The RTC's current reading in seconds since 1970 (the host's clock plus the offset)."""
    return _t.time() + _offset


def datetime():
    """(year, month, day, weekday, hours, minutes, seconds, subseconds) as machine.RTC().datetime() returns it."""
    now = unix()
    tm = _t.gmtime(now)
    return (tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_wday, tm.tm_hour, tm.tm_min, tm.tm_sec, int((now % 1) * 1000))


def set_datetime(dt):
    """Sets the RTC from machine.RTC's tuple (year, month, day, weekday, hours, minutes, seconds, subseconds)."""
    import calendar
    set_unix(calendar.timegm((dt[0], dt[1], dt[2], dt[4], dt[5], dt[6], 0, 0, 0)) + (dt[7] if len(dt) > 7 else 0) / 1000)
