# net stand-in: a good signal on the home network, LTE, while the radio is on and attached (_usock_modem);
# unregistered with no signal after setModemFun(0) until it attaches again.
import _usock_modem as _m

_MCC, _MNC, _LAC, _CI = 1, 1, 0x1234, 0x56789
_config = [5, False]
_callback = []


def _check_int(name, *values):
    for v in values:
        if type(v) is not int:
            raise TypeError('%s takes integers, not %s' % (name, type(v).__name__))


def csqQueryPoll():
    return _m.csq()


def getState():
    reg = _m.registration()
    if reg != 1:
        return [reg, 0, 0, 0, 0, 0], [reg, 0, 0, 0, 0, 0]
    return [1, _LAC, _CI, 7, 0, 0], [1, _LAC, _CI, 7, 0, 0]


def getNetMode():
    return 0, _MCC, _MNC, 7


def getConfig():
    return tuple(_config)


def setConfig(mode, roaming=0):
    _check_int('setConfig', mode, int(bool(roaming)))
    _config[:] = [mode, bool(roaming)]
    return 0


def getSignal(sinrEnable=0):
    csq = _m.csq()
    if csq == 99:
        return [99, 99, 255, 255, 255, 255], [-140, -140, -20, -20] + ([-20] if sinrEnable else [])
    rssi = -113 + 2 * csq  # 3GPP 27.007: CSQ n is -113 + 2n dBm
    lte = [rssi, rssi - 30, -10, 15] + ([20] if sinrEnable else [])
    return [99, 99, 255, 255, 255, 255], lte


def getCellInfo():
    """([GSM cells], [UMTS cells], [LTE cells]): one LTE serving cell."""
    if not _m.attached():
        return [], [], []
    return [], [], [(0, _CI, _MCC, _MNC, 1, _LAC, 1300, -70)]


def currentCellInfo():
    return getCellInfo()


def operatorName():
    if not _m.attached():
        return -1
    return 'USOCK', 'USOCK', '%03d' % _MCC, '%02d' % _MNC


def nitzTime():
    return -1  # no network time from a PC "base station": programs fall back to NTP


def getCi():
    return [_CI] if _m.attached() else []


def getServingCi():
    return _CI if _m.attached() else -1


def getMnc():
    return [_MNC] if _m.attached() else []


def getServingMnc():
    return _MNC if _m.attached() else -1


def getMcc():
    return [_MCC] if _m.attached() else []


def getServingMcc():
    return _MCC if _m.attached() else -1


def getLac():
    return [_LAC] if _m.attached() else []


def getServingLac():
    return _LAC if _m.attached() else -1


def getModemFun():
    return _m.fun()


def setModemFun(fun, rst=0):
    return _m.set_fun(fun, rst)


def setBand(netRat, gsmBand, bandTuple):
    return 0


def getBand(netRat):
    return '0x0'


def bandRst():
    return 0


def setCallback(handler):
    if handler is not None and not callable(handler):
        raise TypeError('setCallback needs a function')
    _callback[:] = [handler]
    return 0
