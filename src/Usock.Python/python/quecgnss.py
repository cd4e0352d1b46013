# quecgnss stand-in: no receiver; after init() and gnssEnable(1), read(size) returns a fixed fix as NMEA sentences
# (GGA and RMC at USOCK_LOCATION, default 116.397128,39.916527), with valid checksums.
import time

import _usock_config

_state = [0]   # 0 off, 1 initialised, 2 positioning


def _nmea(body):
    sum_ = 0
    for ch in body:
        sum_ ^= ord(ch)
    return '$%s*%02X\r\n' % (body, sum_)


def _coord(value, hemis):
    deg = int(abs(value))
    return '%02d%07.4f' % (deg, (abs(value) - deg) * 60), hemis[0 if value >= 0 else 1]


def _sentences():
    lon, lat = (float(v) for v in _usock_config.get('location', '116.397128,39.916527,550').split(',')[:2])
    tm = time.gmtime()
    hms = '%02d%02d%02d.00' % (tm.tm_hour, tm.tm_min, tm.tm_sec)
    la, ns = _coord(lat, 'NS')
    lo, ew = _coord(lon, 'EW')
    lo = lo.rjust(10, '0')
    gga = _nmea('GNGGA,%s,%s,%s,%s,%s,1,12,0.8,50.0,M,0.0,M,,' % (hms, la, ns, lo, ew))
    rmc = _nmea('GNRMC,%s,A,%s,%s,%s,%s,0.0,0.0,%02d%02d%02d,,,A' % (hms, la, ns, lo, ew, tm.tm_mday, tm.tm_mon,
                                                                    tm.tm_year % 100))
    return (gga + rmc).encode()


def init():
    _state[0] = max(_state[0], 1)
    return 0


def get_state():
    return _state[0]


def gnssEnable(opt):
    if opt not in (0, 1):
        raise ValueError('gnssEnable: 0 or 1')
    _state[0] = 2 if opt else 1
    return 0


def read(size):
    if type(size) is not int or size <= 0:
        raise ValueError('read: size must be a positive integer')
    if _state[0] != 2:
        return -1
    data = _sentences()[:size]
    return len(data), data
