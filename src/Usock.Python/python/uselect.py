# uselect, the device's select module, on Usock's Poller. Waits run in .NET with the GIL released, in slices
# so Ctrl-C ends them.
import clr  # noqa: F401
from System import Exception as _ClrError
from Usock import Poller as _Poller
from Usock.Python import Bridge as _B

import usocket as _us

POLLIN = 1
POLLOUT = 4
POLLERR = 8
POLLHUP = 16

error = OSError


def _target(obj):
    """What the poller registers for obj, and the handle its results name: a usocket socket is itself; a ussl
    socket registers its TLS socket (readable with decrypted bytes waiting too), named by its plain socket."""
    if isinstance(obj, _us.socket):
        return obj._s, obj._h
    plain = getattr(obj, '_sock', None)
    if isinstance(plain, _us.socket) and getattr(obj, '_ss', None) is not None:
        return obj._ss, plain._h
    raise TypeError('uselect works on usocket and ussl sockets, not %s' % type(obj).__name__)


def _ms(timeout):
    if timeout is None:
        return -1
    t = _us._int(timeout, 'timeout')
    return -1 if t < 0 else t


class poll:
    """uselect.poll(): register/modify/unregister, poll(timeout_ms) -> [(obj, event)], ipoll."""

    def __init__(self):
        self._p = _Poller()
        self._objs = {}

    def register(self, obj, eventmask=POLLIN | POLLOUT):
        target, h = _target(obj)
        try:
            self._p.Register(target, _us._int(eventmask, 'eventmask'))
        except _ClrError as e:
            raise _us._err(e) from None
        self._objs[h] = obj

    def modify(self, obj, eventmask):
        target, _ = _target(obj)
        try:
            self._p.Modify(target, _us._int(eventmask, 'eventmask'))
        except _ClrError as e:
            raise _us._err(e) from None

    def unregister(self, obj):
        target, h = _target(obj)
        try:
            self._p.Unregister(target)
        except _ClrError as e:
            raise _us._err(e) from None
        self._objs.pop(h, None)

    def _ready(self, timeout):
        try:
            flat = _B.Poll(self._p, _ms(timeout))
        except _ClrError as e:
            raise _us._err(e) from None
        objs = self._objs
        return [(objs[flat[i]], flat[i + 1]) for i in range(0, len(flat), 2) if flat[i] in objs]

    def poll(self, timeout=-1):
        return self._ready(timeout)

    def ipoll(self, timeout=-1, flags=0):
        ready = self._ready(timeout)
        for obj, ev in ready:
            if flags & 1:
                self._p.Modify(_target(obj)[0], 0)
            yield obj, ev


def select(rlist, wlist, xlist, timeout=None):
    """uselect.select(rlist, wlist, xlist[, timeout_s]) -> (readable, writable, exceptional)."""
    p = poll()
    want = {}
    for lst, ev in ((rlist, POLLIN), (wlist, POLLOUT), (xlist, 0)):
        for obj in lst:
            _target(obj)
            want[id(obj)] = (obj, want.get(id(obj), (obj, 0))[1] | ev)
    for obj, ev in want.values():
        p.register(obj, ev)
    if timeout is None:
        ms = -1
    else:
        t = float(timeout)
        if t < 0:
            raise ValueError('timeout must be non-negative')
        ms = int(t * 1000)
    ready = {id(o): ev for o, ev in p.poll(ms)}
    p._p.Dispose()
    bad = POLLERR | POLLHUP
    r = [o for o in rlist if ready.get(id(o), 0) & (POLLIN | bad)]
    w = [o for o in wlist if ready.get(id(o), 0) & (POLLOUT | bad)]
    x = [o for o in xlist if ready.get(id(o), 0) & bad]
    return r, w, x
