# The device's queue between a producer thread and the main thread; the standard library keeps CPython's queue.
import sys
import _thread

import queue

q = queue.Queue(6000)
assert q.empty() and q.size() == 0


def produce(n):
    for i in range(n):
        assert q.put(i)
    q.put(None)


_thread.start_new_thread(produce, (5000,))
items = []
while True:
    item = q.get()
    if item is None:
        break
    items.append(item)
assert items == list(range(5000)), len(items)
small = queue.Queue(2)
assert small.put('a') and small.put() and small.put('c') is False
assert small.size() == 2 and small.get() == 'a' and small.get() is None and small.empty()
for bad in ('2', 2.0):
    try:
        queue.Queue(bad)
        raise AssertionError(bad)
    except TypeError:
        pass
import logging.handlers  # noqa: E402  (the standard library imports CPython's queue)
import concurrent.futures  # noqa: E402,F401
assert sys.modules['queue'].SimpleQueue is not None and not hasattr(sys.modules['queue'].Queue, 'size')
print('queue OK: %d items between threads' % len(items))
