# One timer engine for osTimer and machine.Timer: each start runs a worker thread that waits on its own event
# (stop wakes it at once), calls back on that thread, and for a periodic timer keeps a fixed schedule (no drift).
import threading
import time

import _usock_device
import _usock_thread


def _check(period_ms, callback, what):
    if type(period_ms) is not int:
        raise TypeError('%s: the period must be an integer (ms), not %s' % (what, type(period_ms).__name__))
    if period_ms < 0:
        raise ValueError('%s: the period must be >= 0 ms, not %d' % (what, period_ms))
    if not callable(callback):
        raise TypeError('%s: the callback must be a function' % what)


class Engine:
    def __init__(self, owner, what):
        self._owner = owner
        self._what = what
        self._stop = None

    def start(self, period_ms, periodic, callback):
        _check(period_ms, callback, self._what)
        if periodic and period_ms == 0:
            raise ValueError('%s: a periodic timer needs a period of at least 1 ms' % self._what)
        self.stop()
        stop = self._stop = threading.Event()
        _usock_thread.hold()  # an armed timer keeps the program running after its main script returns, as on the device
        threading.Thread(target=self._run, args=(stop, period_ms / 1000.0, bool(periodic), callback),
                         name='usock-' + self._what, daemon=True).start()

    def stop(self):
        if self._stop is not None:
            self._stop.set()
            self._stop = None

    def _run(self, stop, period, periodic, callback):
        try:
            due = time.monotonic() + period
            while not stop.wait(max(0.0, due - time.monotonic())):
                try:
                    callback(self._owner)
                except BaseException as e:
                    _usock_device.callback_failed('the %s callback' % self._what, e)
                if not periodic:
                    return
                due += period
        finally:
            _usock_thread.release()
