# The radio's state, in one place: the modem function (net.setModemFun), whether the network is registered and
# the data call up. net, dataCall and checkNet read it. With `usock run --network FILE` the state lives in the host
# (Usock.Python.Network.DeviceNetwork, which the scenario drives) and a watcher thread turns its data-call changes
# into dataCall callbacks.
import threading

import clr  # noqa: F401
from Usock.Python import Bridge as _B

import _usock_config
import _usock_device

_lock = threading.Lock()
_fun = 1
_attached = True      # registered on the network, the data call (profile 1) up
_generation = 0       # bumped by every change, so a stale attach timer does nothing
_callbacks = []       # dataCall.setCallback: the device keeps one, the last set


def attach_ms():
    """How long the radio takes to attach after setModemFun(1): USOCK_ATTACH_MS / --attach-ms, default 1000."""
    ms = _usock_config.get_int('attach_ms', 1000)
    if ms < 0:
        raise ValueError('usock: attach_ms must be >= 0, not %d' % ms)
    return ms


_NET = _B.NetworkActive()


def fun():
    return _B.NetworkFun() if _NET else _fun


def attached():
    return _B.NetworkAttached() if _NET else _attached


def registration():
    """net.getState()[1][0]: 1 registered, 2 searching (out of coverage, attaching), 0 not searching (radio off)."""
    if _NET:
        return _B.NetworkRegistration()
    return 1 if _attached else 0


def csq():
    if _NET:
        return _B.NetworkCsq()
    return 28 if _attached else 99


def _watch():
    seq = 0
    while True:
        change = _B.NetworkWaitChange(seq, 60000)
        if len(change):
            seq = change[0]
            _notify(1, int(change[1]))


def set_callback(fn):
    with _lock:
        _callbacks[:] = [] if fn is None else [fn]
    if _NET and fn is not None:
        _B.NetworkMark('setCallback')  # a scenario may start its clock here ('start on setCallback')


def _notify(pdp, state):
    with _lock:
        targets = list(_callbacks)
    for fn in targets:
        def run(fn=fn):
            try:
                fn((pdp, state, 0))  # the firmware's (profile, state, sim id)
            except BaseException as e:
                _usock_device.callback_failed('the dataCall callback', e)
        threading.Thread(target=run, name='usock-datacall', daemon=True).start()


def _attach(generation):
    global _attached
    with _lock:
        if generation != _generation or _fun != 1 or _attached:
            return
        _attached = True
    _notify(1, 1)


def set_fun(value, rst=0):
    """net.setModemFun: 0 (or 4) detaches at once, 1 attaches again after attach_ms()."""
    global _fun, _attached, _generation
    if type(value) is not int or type(rst) is not int:
        raise TypeError('setModemFun(fun, rst=0) takes integers')
    if value not in (0, 1, 4):
        raise ValueError('setModemFun: fun must be 0, 1 or 4, not %d' % value)
    if rst:
        _usock_device.end(_usock_device.POWER_RESTART, 'net.setModemFun(%d, 1) restarts the device' % value)
    if _NET:
        _B.NetworkSetModemFun(value, attach_ms())
        return 0
    delay = attach_ms() / 1000.0
    with _lock:
        was = _attached
        _fun = value
        _generation += 1
        generation = _generation
        if value != 1:
            _attached = False
    if value != 1:
        if was:
            _notify(1, 0)
    elif not was:
        timer = threading.Timer(delay, _attach, (generation,))
        timer.daemon = True
        timer.start()
    return 0


if _NET:
    threading.Thread(target=_watch, name='usock-network', daemon=True).start()
