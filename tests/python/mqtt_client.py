# A minimal umqtt-style client in the device's idiom (write(pkt, n), read, settimeout), talking to a real
# mosquitto broker on 127.0.0.1:argv[1]: CONNECT, SUBSCRIBE, PUBLISH (QoS 0 and 1), receive its own message.
import sys
import usocket
import ustruct


class MQTTClient:
    def __init__(self, client_id, server, port):
        self.client_id = client_id
        self.addr = usocket.getaddrinfo(server, port)[0][-1]
        self.sock = None
        self.pid = 0

    def _send_str(self, s):
        self.sock.write(ustruct.pack('!H', len(s)))
        self.sock.write(s)

    def _recv_len(self):
        n = 0
        sh = 0
        while True:
            b = self.sock.read(1)[0]
            n |= (b & 0x7F) << sh
            if not b & 0x80:
                return n
            sh += 7

    def _hdr(self, first, length):
        pkt = bytearray(b'\x00' * 5)
        pkt[0] = first
        i = 1
        while length > 0x7F:
            pkt[i] = (length & 0x7F) | 0x80
            length >>= 7
            i += 1
        pkt[i] = length
        self.sock.write(pkt, i + 1)

    def connect(self):
        self.sock = usocket.socket()
        self.sock.connect(self.addr)
        self.sock.settimeout(10)
        premsg = bytearray(b'\x10\0\0\0\0\0')
        msg = bytearray(b'\x04MQTT\x04\x02\0\0')
        sz = 10 + 2 + len(self.client_id)
        msg[7] = 60 >> 8
        msg[8] = 60 & 0xFF
        i = 1
        while sz > 0x7F:
            premsg[i] = (sz & 0x7F) | 0x80
            sz >>= 7
            i += 1
        premsg[i] = sz
        self.sock.write(premsg, i + 2)
        self.sock.write(msg)
        self._send_str(self.client_id)
        resp = self.sock.read(4)
        assert resp[0] == 0x20 and resp[1] == 0x02, resp
        assert resp[3] == 0, 'CONNACK rc %d' % resp[3]

    def subscribe(self, topic, qos=0):
        self.pid += 1
        self._hdr(0x82, 2 + 2 + len(topic) + 1)
        self.sock.write(ustruct.pack('!H', self.pid))
        self._send_str(topic)
        self.sock.write(bytes([qos]))
        resp = self.sock.read(5)
        assert resp[0] == 0x90 and resp[2:4] == ustruct.pack('!H', self.pid), resp

    def publish(self, topic, msg, qos=0):
        size = 2 + len(topic) + len(msg) + (2 if qos else 0)
        self._hdr(0x30 | (qos << 1), size)
        self._send_str(topic)
        if qos:
            self.pid += 1
            self.sock.write(ustruct.pack('!H', self.pid))
        self.sock.write(msg)

    def wait_msg(self):
        op = self.sock.read(1)[0]
        sz = self._recv_len()
        body = self.sock.read(sz)
        if op & 0xF0 == 0x40:  # PUBACK
            return 'puback', body
        assert op & 0xF0 == 0x30, op
        tlen = ustruct.unpack('!H', body[:2])[0]
        topic = body[2:2 + tlen]
        rest = body[2 + tlen:]
        if op & 6:
            rest = rest[2:]
        return topic, rest

    def ping(self):
        self.sock.write(b'\xc0\0')
        assert self.sock.read(2) == b'\xd0\x00'

    def disconnect(self):
        self.sock.write(b'\xe0\0')
        self.sock.close()


c = MQTTClient(b'usock-test', '127.0.0.1', int(sys.argv[1]))
c.connect()
c.subscribe(b'usock/test')
c.publish(b'usock/test', b'hello from usocket')
assert c.wait_msg() == (b'usock/test', b'hello from usocket')
c.publish(b'usock/test', b'qos1', qos=1)
msgs = [c.wait_msg(), c.wait_msg()]
assert (b'usock/test', b'qos1') in msgs and any(m[0] == 'puback' for m in msgs), msgs
c.ping()
print('state', c.sock.getsocketsta())
c.disconnect()
print('ALL OK')
