# dataCall stand-in: the "data call" is the host's network; getInfo reports the host's IPv4 address while the
# radio is attached (_usock_modem), state 0 and 0.0.0.0 after net.setModemFun(0) or deactivate.
import clr  # noqa: F401
from Usock.Python import Bridge as _B

import _usock_modem as _m

_down = set()   # profiles deactivated by the program
_DOWN = [0, 0, '0.0.0.0', '0.0.0.0', '0.0.0.0']


def _int(name, value):
    if type(value) is not int:
        raise TypeError('%s must be an integer, not %s' % (name, type(value).__name__))
    return value


def getInfo(profileIdx=1, ipType=0):
    _int('profileIdx', profileIdx)
    _int('ipType', ipType)
    if ipType not in (0, 1, 2):
        raise ValueError('ipType must be 0, 1 or 2, not %d' % ipType)
    up = _m.attached() and profileIdx not in _down
    v4 = [1, 0, _B.HostAddress(), '0.0.0.0', '0.0.0.0'] if up else list(_DOWN)
    v6 = [0, 0, '::', '::', '::']
    if ipType == 0:
        return profileIdx, ipType, v4
    if ipType == 1:
        return profileIdx, ipType, v6
    return profileIdx, ipType, v4, v6


def setCallback(fn):
    if fn is not None and not callable(fn):
        raise TypeError('setCallback needs a function')
    _m.set_callback(fn)
    return 0


def activate(profileIdx=1):
    _down.discard(_int('profileIdx', profileIdx))
    return 0 if _m.attached() else -1


def deactivate(profileIdx=1):
    _down.add(_int('profileIdx', profileIdx))
    return 0


def setPDPContext(*args):
    return 0


def getPDPContext(profileIdx=1):
    return 0, '', '', '', 0


def setAutoActivate(*args):
    return 0


def setAutoConnect(*args):
    return 0


def setDNSServer(*args):
    return 0
