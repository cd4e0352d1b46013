# umqtt, the firmware's MQTT client (QuecPython ports/quectel/core/umqtt.py), written for CPython with the same API
# and behaviour: MQTTClient(client_id, server, port=0, user=None, password=None, keepalive=0, ssl=False,
# ssl_params={}, reconn=True, version=4, pingmaxnum=0). connect() starts the keepalive thread when keepalive > 0
# (a PINGREQ every keepalive - 3 s); wait_msg() reads one packet and calls the callback; on a network error, with
# reconn, the client waits until net.getState() and dataCall.getInfo(1, 0) report the network, reconnects and
# subscribes again, telling error_register_cb's function "reconnect_start" and "reconnect_success".
# The socket is the device's usocket (so --resolve applies) and, with ssl, ussl.wrap_socket(sock, **ssl_params).
import struct as _struct
import sys as _sys

import dataCall
import log
import net
import usocket
import utime

try:
    import _usock_thread as _thread
except ImportError:  # the device's _thread under another name on some branches
    import _thread

_log = log.getLogger('MQTT')


class MQTTException(Exception):
    pass


def _pids():
    pid = 0
    while True:
        pid = pid + 1 if pid < 65535 else 1
        yield pid


def _b(v, what):
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    raise TypeError('%s must be str or bytes, not %s' % (what, type(v).__name__))


def _varlen(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def _now():
    return utime.mktime(utime.localtime())


class BaseMqtt:
    CONNECTEXCE = -1
    CONNECTSUCCESS = 0
    ARECONNECT = 1
    SEVCLOSE = 2

    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=False, ssl_params=None,
                 reconn=True, version=4, pingmaxnum=0):
        if not isinstance(server, (str, bytes)):
            raise TypeError('server must be a str')
        if keepalive != 0 and keepalive < 5:
            raise ValueError('inport parameter error : keepalive >= 5S')
        if version not in (3, 4):
            raise ValueError('version must be 3 (MQTT 3.1) or 4 (MQTT 3.1.1)')
        if ssl_params is not None and not isinstance(ssl_params, dict):
            raise TypeError('ssl_params must be a dict')
        self.client_id = _b(client_id, 'client_id')
        self.server = server.decode() if isinstance(server, bytes) else server
        self.port = int(port) if port else (8883 if ssl else 1883)
        self.user = None if user is None else _b(user, 'user')
        self.pswd = None if password is None else _b(password, 'password')
        self.keepalive = keepalive
        self.ssl = ssl
        self.ssl_params = dict(ssl_params or {})
        self.reconn = reconn
        self.mqttversion = version
        self.pingmaxnum = pingmaxnum
        self.pingnum = pingmaxnum
        self.sock = None
        self.cb = None
        self.pid = 0
        self._newpid = _pids()
        self._rcv_pids = set()  # QoS 1 publishes awaiting their PUBACK
        self.lw_topic = None
        self.lw_msg = None
        self.lw_qos = 0
        self.lw_retain = False
        self.last_time = None
        self.timerFlag = True
        self.pingFlag = False
        self.connSta = False
        self.topic_list = []
        self.qos = 0
        self.clean_session = True
        self.ping_outstanding = False
        self.mqttlock = None
        self.mqttsendlock = None
        self.threadId = None
        self._response_ms = 5000
        self._wlock = _thread.allocate_lock()

    def _send_str(self, s):
        self._write(_struct.pack('!H', len(s)) + s)

    def _write(self, packet):
        """One whole packet per write, one writer at a time: a receive thread acknowledging a message and the main
        thread publishing never interleave their bytes (and a TLS socket never sees two writes at once)."""
        with self._wlock:
            self.sock.write(packet)

    def _read(self, n):
        data = self.sock.read(n)
        if not data or len(data) < n:
            raise OSError(-1, 'the connection ended inside an MQTT packet')
        return data

    def _recv_len(self):
        n = 0
        sh = 0
        while True:
            b = self._read(1)[0]
            n |= (b & 0x7F) << sh
            if not b & 0x80:
                return n
            sh += 7

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        if not 0 <= qos <= 2:
            raise ValueError('qos must be 0, 1 or 2')
        if not topic:
            raise ValueError('the last will needs a topic')
        self.lw_topic = _b(topic, 'topic')
        self.lw_msg = _b(msg, 'msg')
        self.lw_qos = qos
        self.lw_retain = retain

    def connect(self, clean_session=True):
        if self.mqttlock is None:
            self.mqttlock = _thread.allocate_lock()
        if self.mqttsendlock is None:
            self.mqttsendlock = _thread.allocate_lock()
        try:
            infos = usocket.getaddrinfo(self.server, self.port)
        except Exception:
            raise ValueError("DNS Parsing '{}'".format(self.server)) from None
        if not infos:
            raise ValueError('DNS Parsing NULL')
        self.sock = usocket.socket()
        self.sock.settimeout(20)
        self.sock.connect(infos[0][-1])
        if self.ssl:
            import ussl
            self.sock = ussl.wrap_socket(self.sock, **self.ssl_params)
        protocol = b'MQIsdp' if self.mqttversion == 3 else b'MQTT'
        flags = (1 if clean_session else 0) << 1
        payload = bytearray()
        payload += _struct.pack('!H', len(self.client_id)) + self.client_id
        if self.lw_topic:
            flags |= 0x04 | (self.lw_qos & 3) << 3 | (1 if self.lw_retain else 0) << 5
            payload += _struct.pack('!H', len(self.lw_topic)) + self.lw_topic
            payload += _struct.pack('!H', len(self.lw_msg)) + self.lw_msg
        if self.user:
            flags |= 0x80
            payload += _struct.pack('!H', len(self.user)) + self.user
        if self.pswd:
            flags |= 0x40
            payload += _struct.pack('!H', len(self.pswd)) + self.pswd
        var = _struct.pack('!H', len(protocol)) + protocol + bytes((3 if self.mqttversion == 3 else 4, flags))
        var += _struct.pack('!H', self.keepalive)
        body = var + payload
        self._write(b'\x10' + _varlen(len(body)) + body)
        resp = self._read(4)
        self.sock.setblocking(True)
        if resp[0] != 0x20 or resp[1] != 0x02:
            raise MQTTException('not a CONNACK: %r' % resp)
        if resp[3] != 0:
            raise MQTTException(resp[3])
        self.last_time = _now()
        self.connSta = True
        self.timerFlag = True
        self.clean_session = clean_session
        self.ping_outstanding = False
        self.pingnum = self.pingmaxnum
        return resp[2] & 1

    def disconnect(self):
        self.timerFlag = False
        self.pingFlag = False
        self.connSta = False
        self.ping_outstanding = False
        self.pingnum = self.pingmaxnum
        try:
            self._write(b'\xe0\x00')
        except Exception:
            _log.warning('Error requesting to close connection.')
        for lock in (self.mqttsendlock, self.mqttlock):
            if lock is not None and lock.locked():
                try:
                    lock.release()
                except RuntimeError:
                    pass
        self.mqttlock = None
        self.mqttsendlock = None
        self.close()

    def close(self):
        if self.sock is not None:
            self.sock.close()

    def ping(self):
        self.last_time = _now()
        self.ping_outstanding = True  # before the write: on loopback the PINGRESP can be read before write returns
        self._write(b'\xc0\x00')

    def publish(self, topic, msg, retain=False, qos=0):
        if qos not in (0, 1):
            raise ValueError('qos must be 0 or 1 (the firmware does not support QoS 2)')
        topic = _b(topic, 'topic')
        msg = _b(msg, 'msg')
        size = 2 + len(topic) + len(msg) + (2 if qos else 0)
        if size >= 2097152:
            raise ValueError('message too long for MQTT')
        pkt = bytearray((0x30 | qos << 1 | (1 if retain else 0),)) + _varlen(size)
        pkt += _struct.pack('!H', len(topic)) + topic
        pid = next(self._newpid)
        if qos:
            self._rcv_pids.add(pid)
            pkt += _struct.pack('!H', pid)
        self._write(bytes(pkt) + msg)
        if qos and not self._await_pid(pid):
            _log.warning('publish QOS1 message was not received correctly')

    def _subscribe(self, topic, qos):
        topic = _b(topic, 'topic')
        self.pid = self.pid + 1 if self.pid < 65535 else 1
        body = _struct.pack('!H', self.pid) + _struct.pack('!H', len(topic)) + topic + bytes((qos,))
        self._write(b'\x82' + _varlen(len(body)) + body)
        while True:
            op = BaseMqtt.wait_msg(self)  # not the reconnecting wait_msg: a reconnect subscribes through here
            if op == 0x90:
                resp = self._read(4)
                if resp[1:3] != _struct.pack('!H', self.pid):
                    raise MQTTException('SUBACK for another packet id')
                if resp[3] == 0x80:
                    raise MQTTException(resp[3])
                return
            if op is None:
                return

    def subscribe(self, topic, qos=0):
        if self.cb is None:
            raise AssertionError('Subscribe callback is not set')
        if qos not in (0, 1):
            raise ValueError('qos must be 0 or 1')
        if topic not in self.topic_list:
            self.topic_list.append(topic)
        self.qos = qos
        self._subscribe(topic, qos)

    def wait_msg(self):
        """Reads one packet: a PUBLISH goes to the callback (and is acknowledged at QoS 1), a PUBACK or PINGRESP is
        taken here; any other packet type is returned (its body left to the caller). None: nothing yet (check_msg);
        OSError(107) when the server closed the connection."""
        try:
            res = self.sock.read(1)
        finally:
            self.sock.setblocking(True)
        if res is None:
            return None  # check_msg: nothing yet
        if not res:
            # the server closed the connection: the device's read raises 107 at the end of the stream, which is
            # what starts the firmware's reconnect
            raise OSError(107, 'ENOTCONN: the server closed the connection')
        op = res[0]
        if op == 0xD0:  # PINGRESP
            self.ping_outstanding = False
            self._read(1)
            return res
        if op == 0x40:  # PUBACK
            if self._read(1) != b'\x02':
                _log.warning('Publish message does not return ACK correctly')
                return None
            pid = _struct.unpack('!H', self._read(2))[0]
            if pid in self._rcv_pids:
                self._rcv_pids.discard(pid)
            else:
                _log.warning('Publish message does not return ACK correctly')
            return None
        if op & 0xF0 != 0x30:
            return op
        size = self._recv_len()
        tlen = _struct.unpack('!H', self._read(2))[0]
        topic = self._read(tlen)
        size -= tlen + 2
        pid = None
        if op & 6:
            pid = _struct.unpack('!H', self._read(2))[0]
            size -= 2
        msg = self._read(size) if size else b''
        if self.cb is not None:
            self.cb(topic, msg)
        if op & 6 == 2:
            self._write(b'\x40\x02' + _struct.pack('!H', pid))
            return op
        return None

    def check_msg(self):
        self.sock.setblocking(False)
        return self.wait_msg()

    def _await_pid(self, pid):
        start = utime.ticks_ms()
        while pid in self._rcv_pids:
            if utime.ticks_diff(utime.ticks_ms(), start) > self._response_ms:
                self._rcv_pids.discard(pid)
                return False
            utime.sleep_ms(50)
        return True

    def get_mqttsta(self):
        """-1 connection broken, 0 connected, 1 connecting, 2 closed by the server (from the socket's state)."""
        if self.sock is None:
            return self.CONNECTEXCE
        sta = self.sock.getsocketsta()
        if sta in (0, 2, 3):
            return self.ARECONNECT
        if sta == 4 and self.connSta:
            return self.CONNECTSUCCESS
        if sta in (7, 8):
            return self.SEVCLOSE
        return self.CONNECTEXCE


from _umqtt_client import MQTTClient  # noqa: E402,F401  (the firmware's MQTTClient: locks, keepalive, reconnect)

# MicroPython's own layout is umqtt.simple / umqtt.robust; QuecPython's is the flat umqtt. Both names work here.
simple = robust = _sys.modules[__name__]
_sys.modules.setdefault('umqtt.simple', simple)
_sys.modules.setdefault('umqtt.robust', robust)
