# uwebsocket, QuecPython's websocket client, written for CPython with the same API: Client.connect(url, headers=None,
# debug=False) opens ws:// (through the device's usocket, so --resolve applies) or wss:// (through its ussl) and returns
# a WebsocketClient with send(buf), recv() and close(code=1000, reason=''). recv() answers pings itself and returns a
# text message as str, a binary one as bytes, and '' once the connection is closed.
import base64 as _base64
import hashlib as _hashlib
import random as _random
import struct as _struct

import usocket

CLOSE_OK = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_DATA_NOT_SUPPORTED = 1003
CLOSE_BAD_DATA = 1007
CLOSE_POLICY_VIOLATION = 1008
CLOSE_TOO_BIG = 1009
CLOSE_MISSING_EXTN = 1010
CLOSE_BAD_CONDITION = 1011

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BYTES = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'


class NoDataException(Exception):
    pass


class ConnectionClosed(Exception):
    pass


def _read(sock, n):
    out = b''
    while len(out) < n:
        chunk = sock.read(n - len(out))
        if not chunk:
            raise NoDataException
        out += chunk
    return out


class Websocket:
    """The websocket protocol (RFC 6455) over a connected socket; frames from a client are masked."""
    is_client = False

    def __init__(self, sock, debug=False):
        self.sock = sock
        self.open = True
        self.debug = debug

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _log(self, *args):
        if self.debug:
            print('websocket:', *args)

    def settimeout(self, timeout):
        self.sock.settimeout(timeout)

    def read_frame(self, max_size=None):
        b1, b2 = _read(self.sock, 2)
        fin = bool(b1 & 0x80)
        opcode = b1 & 0x0F
        mask = bool(b2 & 0x80)
        length = b2 & 0x7F
        if length == 126:
            length = _struct.unpack('!H', _read(self.sock, 2))[0]
        elif length == 127:
            length = _struct.unpack('!Q', _read(self.sock, 8))[0]
        key = _read(self.sock, 4) if mask else None
        data = _read(self.sock, length) if length else b''
        if key:
            data = bytes(b ^ key[i & 3] for i, b in enumerate(data))
        return fin, opcode, data

    def write_frame(self, opcode, data=b''):
        mask = self.is_client
        head = bytearray((0x80 | opcode,))
        n = len(data)
        bit = 0x80 if mask else 0
        if n < 126:
            head.append(bit | n)
        elif n < 65536:
            head.append(bit | 126)
            head += _struct.pack('!H', n)
        else:
            head.append(bit | 127)
            head += _struct.pack('!Q', n)
        if mask:
            key = _random.randbytes(4)
            head += key
            data = bytes(b ^ key[i & 3] for i, b in enumerate(data))
        self.sock.write(bytes(head) + bytes(data))

    def recv(self):
        """The next message: str for text, bytes for binary, '' once closed (by either side)."""
        if not self.open:
            return ''
        parts = []
        first = None
        while self.open:
            try:
                fin, opcode, data = self.read_frame()
            except NoDataException:
                self._close()
                return ''
            except ValueError:
                self._close()
                raise ConnectionClosed() from None
            self._log('frame', opcode, len(data))
            if opcode == OP_PING:
                self.write_frame(OP_PONG, data)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                try:
                    self.write_frame(OP_CLOSE, data[:2])
                except OSError:
                    pass
                self._close()
                return ''
            if opcode in (OP_TEXT, OP_BYTES):
                first = opcode
                parts = [data]
            elif opcode == OP_CONT and first is not None:
                parts.append(data)
            else:
                raise ValueError('unexpected websocket opcode %d' % opcode)
            if fin:
                whole = b''.join(parts)
                return whole.decode('utf-8') if first == OP_TEXT else whole
        return ''

    def send(self, buf):
        """A str goes as one text message, bytes as one binary message."""
        if isinstance(buf, str):
            opcode, data = OP_TEXT, buf.encode('utf-8')
        elif isinstance(buf, (bytes, bytearray, memoryview)):
            opcode, data = OP_BYTES, bytes(buf)
        else:
            raise TypeError('send needs str or bytes, not %s' % type(buf).__name__)
        if not self.open:
            raise OSError(107, 'ENOTCONN: the websocket is closed')
        self.write_frame(opcode, data)

    def close(self, code=CLOSE_OK, reason=''):
        """Sends a close frame with code and reason, then closes the connection."""
        if not self.open:
            return
        reason = reason.encode('utf-8') if isinstance(reason, str) else bytes(reason)
        try:
            self.write_frame(OP_CLOSE, _struct.pack('!H', code) + reason[:123])
        except OSError:
            pass
        self._close()

    def _close(self):
        self._log('closed')
        self.open = False
        try:
            self.sock.close()
        except OSError:
            pass


class WebsocketClient(Websocket):
    is_client = True


def _split(url):
    if not isinstance(url, str):
        raise TypeError('url must be a str')
    scheme, sep, rest = url.partition('://')
    if not sep or scheme not in ('ws', 'wss'):
        raise ValueError('websocket URL must start with ws:// or wss://: %r' % url)
    hostport, _, path = rest.partition('/')
    host, port = hostport, 443 if scheme == 'wss' else 80
    if hostport.startswith('['):
        host, _, p = hostport[1:].partition(']')
        if p.startswith(':'):
            port = int(p[1:])
    elif ':' in hostport:
        host, _, p = hostport.partition(':')
        if not p.isdigit():
            raise ValueError('bad port in %r' % url)
        port = int(p)
    if not host:
        raise ValueError('no host in %r' % url)
    return scheme, host, port, '/' + path


class Client:

    @classmethod
    def connect(cls, url, headers=None, debug=False):
        """Opens the connection and does the HTTP upgrade; OSError when the server does not switch protocols."""
        scheme, host, port, path = _split(url)
        if headers is not None and not isinstance(headers, dict):
            raise TypeError('headers must be a dict')
        addr = usocket.getaddrinfo(host, port, 0, usocket.SOCK_STREAM)[0][-1]
        sock = usocket.socket()
        try:
            sock.connect(addr)
            if scheme == 'wss':
                import ussl
                sock = ussl.wrap_socket(sock, server_hostname=host)
            key = _base64.b64encode(_random.randbytes(16))
            lines = ['GET %s HTTP/1.1' % path, 'Host: %s:%d' % (host, port), 'Connection: Upgrade',
                     'Upgrade: websocket', 'Sec-WebSocket-Key: %s' % key.decode(), 'Sec-WebSocket-Version: 13',
                     'Origin: http://%s:%d' % (host, port)]
            for k, v in (headers or {}).items():
                lines.append('%s: %s' % (k, v))
            sock.write(('\r\n'.join(lines) + '\r\n\r\n').encode())
            status = sock.readline()
            if debug:
                print('websocket:', status)
            parts = status.split(None, 2)
            if len(parts) < 2 or parts[1] != b'101':
                raise OSError('websocket upgrade refused: %r' % status.strip())
            accept = None
            while True:
                line = sock.readline()
                if not line or line in (b'\r\n', b'\n'):
                    break
                k, _, v = line.decode('latin-1').partition(':')
                if k.strip().lower() == 'sec-websocket-accept':
                    accept = v.strip()
            want = _base64.b64encode(_hashlib.sha1(key + _GUID).digest()).decode()
            if accept != want:
                raise OSError('websocket upgrade: wrong Sec-WebSocket-Accept %r' % accept)
        except BaseException:
            sock.close()
            raise
        return WebsocketClient(sock, debug)
