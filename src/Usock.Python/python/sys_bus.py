# sys_bus: in-process publish/subscribe. publish(topic, msg) calls every handler(topic, msg) subscribed to topic on
# worker threads; publish_sync calls them in the caller's thread, in subscription order.
from _queue import SimpleQueue as _SimpleQueue  # CPython's: in device code, `queue` is the device's
import threading

import _usock_device

_WORKERS = 4
_lock = threading.Lock()
_table = {}          # topic -> [handler, ...]
_jobs = _SimpleQueue()
_started = []


def _topic(topic):
    if isinstance(topic, bool) or not isinstance(topic, (str, int)):
        raise TypeError('sys_bus topics are strings or integers, not %s' % type(topic).__name__)
    return topic


def _work():
    while True:
        handler, topic, msg = _jobs.get()
        _call(handler, topic, msg)


def _call(handler, topic, msg):
    try:
        handler(topic, msg)
    except BaseException as e:
        _usock_device.callback_failed('the sys_bus handler for %r' % (topic,), e)


def subscribe(topic, handler):
    _topic(topic)
    if not callable(handler):
        raise TypeError('sys_bus.subscribe needs a function')
    with _lock:
        handlers = _table.setdefault(topic, [])
        if handler not in handlers:
            handlers.append(handler)


def publish(topic, msg=None):
    _topic(topic)
    with _lock:
        handlers = list(_table.get(topic, ()))
        if handlers and not _started:
            for i in range(_WORKERS):
                threading.Thread(target=_work, name='usock-sys_bus-%d' % i, daemon=True).start()
            _started.append(True)
    for handler in handlers:
        _jobs.put((handler, topic, msg))


def publish_sync(topic, msg=None):
    _topic(topic)
    with _lock:
        handlers = list(_table.get(topic, ()))
    for handler in handlers:
        _call(handler, topic, msg)


def unsubscribe(topic, cb=None):
    _topic(topic)
    with _lock:
        handlers = _table.get(topic)
        if handlers is None:
            return False
        if cb is None:
            del _table[topic]
            return True
        if cb not in handlers:
            return False
        handlers.remove(cb)
        if not handlers:
            del _table[topic]
        return True


def sub_table(topic=None):
    with _lock:
        if topic is None:
            return {t: list(h) for t, h in _table.items()}
        return list(_table.get(_topic(topic), ()))
