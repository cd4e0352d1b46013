# The device's _thread: CPython's, plus QuecPython's extras (socket calls release the GIL, so a receive thread
# and the main thread run side by side).
import _thread as _t
import threading as _threading
from _thread import *  # noqa: F401,F403

_running = set()
_alive = 0  # threads started here and not yet ended, and holds: the program runs on while there are any
_changed = _threading.Condition(_threading.Lock())


def hold():
    """Keeps the program running after its main script returns, until release(): what a thread started here
    does, and what a device module does while it has work pending (e.g. an armed timer), as on the device."""
    global _alive
    with _changed:
        _alive += 1


def release():
    global _alive
    with _changed:
        _alive -= 1
        _changed.notify_all()


def start_new_thread(function, args, kwargs=None):
    def run():
        _running.add(_t.get_ident())
        try:
            function(*args, **(kwargs or {}))
        finally:
            _running.discard(_t.get_ident())
            release()
    hold()  # counted before it starts: a main script that returns at once still waits for it
    try:
        return _t.start_new_thread(run, ())
    except BaseException:
        release()
        raise


def wait_all():
    """Returns when every thread started here has ended; waits in slices so Ctrl-C ends the wait at once."""
    with _changed:
        while _alive:
            _changed.wait(0.05)


def delete_lock(lock):
    """QuecPython frees a lock explicitly; here the collector does."""


def threadIsRunning(thread_id):
    return thread_id in _running


def stack_size(size=0):
    """The device accepts small stacks (e.g. 8 KiB); CPython's minimum is 32 KiB, used instead."""
    try:
        return _t.stack_size(size)
    except ValueError:
        return _t.stack_size(0)


def get_heap_size():
    """Free heap in bytes: a fixed, comfortable figure on the PC."""
    return 4 * 1024 * 1024


def stop_thread(thread_id):
    """Stops a thread started here: it raises SystemExit at its next Python instruction (a socket call it is
    blocked in returns first; give it a timeout). 0 stops the calling thread. The main thread cannot be stopped."""
    import ctypes
    import threading
    if type(thread_id) is not int:
        raise TypeError('thread_id must be an integer, not %s' % type(thread_id).__name__)
    if thread_id == 0:
        thread_id = _t.get_ident()
    if thread_id == threading.main_thread().ident:
        raise ValueError('the main thread cannot be stopped')
    if thread_id == _t.get_ident():
        raise SystemExit
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(SystemExit))


class Semphore:
    """QuecPython's counting semaphore: initcount is the starting and the highest count."""

    def __init__(self, initcount):
        import threading
        self._max = initcount
        self._sem = threading.BoundedSemaphore(initcount)
        self._count = initcount
        self._lock = _t.allocate_lock()

    def acquire(self, timeout=-1):
        ok = self._sem.acquire(True, None if timeout is None or timeout < 0 else timeout / 1000.0)
        if ok:
            with self._lock:
                self._count -= 1
        return ok

    def release(self):
        with self._lock:
            self._sem.release()
            self._count += 1

    def getCnt(self):
        return self._max, self._count


def allocate_semphore(initcount):
    if type(initcount) is not int:
        raise TypeError('initcount must be an integer, not %s' % type(initcount).__name__)
    if initcount < 1:
        raise ValueError('initcount must be >= 1, not %d' % initcount)
    return Semphore(initcount)


def delete_semphore(semphore):
    """QuecPython frees a semaphore explicitly; here the collector does."""
