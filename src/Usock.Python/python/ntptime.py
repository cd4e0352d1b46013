# ntptime, the firmware's NTP client (QuecPython ports/quectel/core/ntptime.py), written for CPython with the same API
# and behaviour: host (default "ntp.aliyun.com"), sethost(host), time() (seconds since 2000-01-01 from one SNTP
# exchange over UDP port 123 through the device's usocket, so --resolve NAME:123=ADDR:PORT points it at a local
# server), settime(timezone=0, use_rhost=1, timeout=10) -> 0 or -1, setting the RTC as the device does.
import struct as _struct

import usocket

NTP_DELTA = 3155673600  # seconds from 1900-01-01 (NTP's epoch) to 2000-01-01 (the device's)
_UNIX_2000 = 946684800  # seconds from 1970-01-01 to 2000-01-01

host = 'ntp.aliyun.com'
r_host = ['pool.ntp.org', 'asia.pool.ntp.org', 'cn.ntp.org.cn', 'cn.pool.ntp.org']


def sethost(ntp_host=None):
    global host
    if ntp_host is None:
        return -1
    if not isinstance(ntp_host, str):
        raise TypeError('host must be a str')
    host = ntp_host
    return 0


def _query(server, timeout):
    query = bytearray(48)
    query[0] = 0x1B  # LI 0, version 3, mode 3 (client)
    addr = usocket.getaddrinfo(server, 123)[0][-1]
    s = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(query, addr)
        msg = s.recv(48)
    finally:
        s.close()
    if not msg or len(msg) < 48:
        raise OSError('short NTP answer')
    return _struct.unpack('!I', msg[40:44])[0]


def time(use_rhost=1, timeout=10):
    """Seconds since 2000-01-01 00:00 UTC. As the firmware: when ntptime.host does not answer, the backup servers
    are tried in turn (and the one that answers becomes ntptime.host); OSError when none does."""
    global host
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError('timeout must be a positive number of seconds')
    servers = [host] + (list(r_host) if use_rhost else [])
    for server in servers:
        try:
            val = _query(server, timeout)
        except OSError:
            continue
        host = server
        return val - NTP_DELTA
    raise OSError('Server connection failed!')


def settime(timezone=0, use_rhost=1, timeout=10):
    """Sets the RTC to the NTP time shifted by `timezone` hours (-12..12): 0 on success, -1 on failure."""
    if not isinstance(timezone, int) or timezone < -12 or timezone > 12:
        return -1
    try:
        t = time(use_rhost, timeout) + _UNIX_2000 + timezone * 3600
    except OSError:
        return -1
    import time as _t
    tm = _t.gmtime(t)
    dt = (tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_wday, tm.tm_hour, tm.tm_min, tm.tm_sec, 0)
    try:
        import machine
        machine.RTC().datetime(dt)
    except (ImportError, AttributeError):  # a build without machine.RTC: the shared clock it would set
        import _usock_rtc
        _usock_rtc.set_datetime(dt)
    return 0
