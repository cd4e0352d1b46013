# The device's queue (program code's `import queue`; the standard library keeps CPython's): Queue(maxsize=100),
# put(data=None) -> True, or False when full; get() blocks until there is an item; size(); empty().
import threading
from collections import deque


class Queue:
    def __init__(self, maxsize=100):
        if type(maxsize) is not int:
            raise TypeError('maxsize must be an integer, not %s' % type(maxsize).__name__)
        if maxsize <= 0:
            raise ValueError('maxsize must be > 0, not %d' % maxsize)
        self.maxsize = maxsize
        self._items = deque()
        self._ready = threading.Condition(threading.Lock())

    def put(self, data=None):
        with self._ready:
            if len(self._items) >= self.maxsize:
                return False
            self._items.append(data)
            self._ready.notify()
            return True

    def get(self):
        with self._ready:
            while not self._items:
                # Slices, so Ctrl-C reaches a main thread waiting here within 100 ms.
                self._ready.wait(0.1)
            return self._items.popleft()

    def size(self):
        return len(self._items)

    def empty(self):
        return not self._items
