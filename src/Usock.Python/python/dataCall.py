# dataCall stand-in: the "data call" is the host's network; getInfo reports the host's IPv4 address.
import clr  # noqa: F401
from Usock.Python import Bridge as _B

_callback = None


def getInfo(profileIdx=1, ipType=0):
    ip = _B.HostAddress()
    return profileIdx, ipType, [1, 0, ip, '0.0.0.0', '0.0.0.0']


def setCallback(fn):
    global _callback
    _callback = fn
    return 0


def activate(profileIdx=1):
    return 0


def deactivate(profileIdx=1):
    return 0


def setPDPContext(*args):
    return 0


def getPDPContext(profileIdx=1):
    return 0, '', '', '', 0


def setAutoActivate(*args):
    return 0


def setAutoConnect(*args):
    return 0
