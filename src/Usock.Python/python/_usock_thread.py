# The device's _thread: CPython's, plus QuecPython's extras (socket calls release the GIL, so a receive thread
# and the main thread run side by side).
import _thread as _t
from _thread import *  # noqa: F401,F403

_running = set()


def start_new_thread(function, args, kwargs=None):
    def run():
        _running.add(_t.get_ident())
        try:
            function(*args, **(kwargs or {}))
        finally:
            _running.discard(_t.get_ident())
    return _t.start_new_thread(run, ())


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
