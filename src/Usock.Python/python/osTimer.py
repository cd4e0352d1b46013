# osTimer: the OS software timers. start(period_ms, periodic, callback) calls callback(timer) after period_ms, again
# every period_ms when periodic; callbacks run on a worker thread; one that raises is printed and the timer goes on.
import _usock_timer


class osTimer:
    def __init__(self):
        self._engine = _usock_timer.Engine(self, 'osTimer')
        self._deleted = False

    def start(self, initialTime, cyclialEn, callback):
        if self._deleted:
            return -1
        self._engine.start(initialTime, cyclialEn, callback)
        return 0

    def stop(self):
        self._engine.stop()
        return 0

    def delete_timer(self):
        self._engine.stop()
        self._deleted = True
        return 0


# On the device `osTimer` is the type itself: programs write `import osTimer` then `osTimer()` (and some
# `osTimer.osTimer()` or `from osTimer import osTimer`). The module's name is bound to the class, which names itself.
osTimer.osTimer = osTimer
import sys as _sys  # noqa: E402

_sys.modules[__name__] = osTimer
