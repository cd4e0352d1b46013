# usocket, the device's socket module, backed by Usock. One Python method per documented member; conversion
# happens here (Python values in, plain .NET values to Usock.Python.Bridge), and the data path calls
# Usock.Python.NativeCalls through ctypes with pointers to the Python buffers themselves.
import ctypes as _ct
from operator import index as _index

import clr  # noqa: F401
from System import ArgumentException as _ArgEx
from System import Exception as _ClrError
from Usock import UsocketException as _UE
from Usock.Python import Bridge as _B
from Usock.Python import ScriptInterruptedException as _Intr

AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
IPPROTO_IP = 0
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_TCP_SER = 7
TCP_CUSTOMIZE_PORT = 8
SOL_SOCKET = 0xFFF
SO_REUSEADDR = 4
TCP_KEEPALIVE = 2
SHUT_RD = 0
SHUT_WR = 1
SHUT_RDWR = 2

error = OSError

_NONE, _ERROR, _INTERRUPTED = -1, -2, -3
_I64, _PTR = _ct.c_int64, _ct.c_void_p
_F = _ct.CFUNCTYPE(_I64, _I64, _PTR, _I64)
_send = _F(_B.Entry('send'))
_sendall = _F(_B.Entry('sendall'))
_recv = _F(_B.Entry('recv'))
_readinto = _F(_B.Entry('readinto'))
_write = _F(_B.Entry('write'))
_readline = _F(_B.Entry('readline'))
_recvfrom = _F(_B.Entry('recvfrom'))
_getsocketsta = _F(_B.Entry('getsocketsta'))
_settimeout = _F(_B.Entry('settimeout'))
_sendto = _ct.CFUNCTYPE(_I64, _I64, _PTR, _I64, _PTR, _I64, _I64)(_B.Entry('sendto'))
_SCRATCH = 4096
_KEEP = 1 << 20


def _interrupted():
    _B.TryConsumeInterrupt()
    return KeyboardInterrupt()


def _err(e):
    """The codec for errors: a .NET exception from Usock as the Python exception the device raises."""
    if isinstance(e, _UE):
        return OSError(e.Errno, e.ErrnoName or 'E?')
    if isinstance(e, _Intr):
        return _interrupted()
    if isinstance(e, _ArgEx):
        m = str(e.Message)
        cut = m.find(" (Parameter '")
        return ValueError((m[:cut] if cut >= 0 else m).split('\n')[0])
    return OSError(5, 'EIO: ' + str(e.Message))


def _fail(r):
    if r == _INTERRUPTED:
        raise _interrupted()
    raise _err(_B.TakeError())


def _data(buf):
    """Data in: bytes as they are (no copy), str as UTF-8, any other bytes-like object copied once."""
    t = type(buf)
    if t is bytes:
        return buf
    if t is str:
        return buf.encode()
    try:
        return memoryview(buf).tobytes()
    except TypeError:
        raise TypeError("a bytes-like object or str is required, not '%s'" % t.__name__) from None


def _int(v, what):
    if type(v) is int:
        return v
    try:
        return _index(v)
    except TypeError:
        raise TypeError('%s must be an int, not %s' % (what, type(v).__name__)) from None


def _writable(buf, nbytes, view):
    """readinto's buffer and count, for usocket and ussl: buf seen through view (a writable bytes-like object, or
    TypeError), and how many bytes to read into it (nbytes, if given and not -1, is at most the buffer's size)."""
    try:
        mv = view(buf)
    except TypeError:
        raise TypeError('a writable bytes-like object is required') from None
    if mv.readonly:
        raise TypeError('a writable bytes-like object is required')
    size = mv.nbytes
    if nbytes is not None and nbytes != -1:
        nbytes = _int(nbytes, 'nbytes')
        if nbytes < 0:
            raise ValueError('nbytes must not be negative')
        size = min(size, nbytes)
    return mv, size


def _addr(address):
    """Addresses in: a tuple or list (host, port)."""
    if type(address) not in (tuple, list) or len(address) != 2:
        raise TypeError('address must be a (host, port) tuple')
    host, port = address
    if type(host) is bytes:
        host = host.decode()
    if type(host) is not str:
        raise TypeError('host must be a str')
    port = _port(port)
    if not 0 <= port <= 65535:
        raise ValueError('port must be 0-65535')
    return host, port


def _port(port):
    """A port: an int, or a str of decimal digits as the firmware accepts (connect((ip, "6666")))."""
    if isinstance(port, (str, bytes)):
        text = port.decode() if isinstance(port, bytes) else port
        if not (text.isdigit() and text.isascii()):
            raise ValueError('invalid port %r: a number 0-65535 is required' % (port,))
        return int(text)
    return _int(port, 'port')


_told = set()


def _privileged(port):
    """EACCES for a port below 1024: the PC needs root for it, and --map-port gives the program another one."""
    hint = 'port %d needs root on the PC: usock run --map-port %d=%d binds %d instead' % (port, port, port + 8000,
                                                                                    port + 8000)
    if port not in _told:
        _told.add(port)
        import sys
        print('usock: bind to %s' % hint, file=sys.stderr, flush=True)
    return OSError(13, 'EACCES (%s)' % hint)


class _Buffer:
    """A reusable receive buffer: Usock writes into it, the result is copied out once as bytes."""
    __slots__ = ('ba', 'mv', 'address', 'arr')

    def __init__(self, size):
        self.ba = bytearray(size)
        self.mv = memoryview(self.ba)
        self.arr = (_ct.c_char * size).from_buffer(self.ba)
        self.address = _ct.addressof(self.arr)


class socket:
    """A socket, as the device's usocket.socket (see docs/scripts.md for the extensions)."""

    _h = 0

    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=IPPROTO_TCP):
        af = _int(af, 'af')
        type = _int(type, 'type')
        proto = _int(proto, 'proto')
        self._h = 0
        try:
            s = _B.Create(af, type, proto)
        except _ClrError as e:
            raise _err(e) from None
        self._s = s
        self._h = _B.Handle(s)
        self._rb = None
        self._lb = None

    @classmethod
    def _wrap(cls, s):
        self = cls.__new__(cls)
        self._s = s
        self._h = _B.Handle(s)
        self._rb = None
        self._lb = None
        return self

    def __del__(self):
        h = self._h
        if h:
            self._h = 0
            try:
                _B.Free(h)
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return '<usocket.socket %s>' % self._s.ToString()

    def _take(self, n):
        b = self._rb
        if b is None or len(b.ba) < n:
            b = _Buffer(max(n, _SCRATCH))
        else:
            self._rb = None
        return b

    def _give(self, b):
        if len(b.ba) <= _KEEP:
            self._rb = b

    # --- connections

    def bind(self, address):
        host, port = _addr(address)
        try:
            _B.Bind(self._s, host, port)
        except _ClrError as e:
            err = _err(e)
            if err.errno == 13 and 0 < port < 1024:
                err = _privileged(port)
            raise err from None

    def listen(self, backlog=5):
        backlog = _int(backlog, 'backlog')
        try:
            self._s.Listen(backlog)
        except _ClrError as e:
            raise _err(e) from None

    def accept(self):
        try:
            a = _B.Accept(self._s)
        except _ClrError as e:
            raise _err(e) from None
        return socket._wrap(a.Conn), a.Host, a.Port

    def connect(self, address):
        host, port = _addr(address)
        try:
            _B.Connect(self._s, host, port)
        except _ClrError as e:
            raise _err(e) from None

    def close(self):
        self._s.Close()

    def shutdown(self, how):
        how = _int(how, 'how')
        try:
            self._s.Shutdown(how)
        except _ClrError as e:
            raise _err(e) from None

    # --- data

    def send(self, data):
        data = _data(data)
        r = _send(self._h, data, len(data))
        if r < 0:
            _fail(r)
        return r

    def sendall(self, data):
        data = _data(data)
        r = _sendall(self._h, data, len(data))
        if r < 0:
            _fail(r)

    def sendto(self, data, address):
        data = _data(data)
        host, port = _addr(address)
        name = host.encode()
        r = _sendto(self._h, data, len(data), name, len(name), port)
        if r < 0:
            _fail(r)
        return r

    def recv(self, bufsize):
        n = _int(bufsize, 'bufsize')
        if n < 0:
            raise ValueError('negative buffersize in recv')
        b = self._take(n)
        r = _recv(self._h, b.address, n)
        if r < 0:
            self._give(b)
            _fail(r)
        data = b.mv[:r].tobytes()
        self._give(b)
        return data

    def recvfrom(self, bufsize):
        n = _int(bufsize, 'bufsize')
        if n < 0:
            raise ValueError('negative buffersize in recvfrom')
        b = self._take(n)
        r = _recvfrom(self._h, b.address, n)
        if r < 0:
            self._give(b)
            _fail(r)
        data = b.mv[:r].tobytes()
        self._give(b)
        a = _B.LastFrom()
        return data, (a.Host, a.Port)

    def read(self, size=-1):
        if size is None:
            size = -1
        size = _int(size, 'size')
        if size >= 0:
            b = self._take(size)
            r = _readinto(self._h, b.address, size)
            if r < 0:
                self._give(b)
                if r == _NONE:
                    return None
                _fail(r)
            data = b.mv[:r].tobytes()
            self._give(b)
            return data
        chunks = []
        chunk = 65536
        b = self._take(chunk)
        try:
            while True:
                r = _readinto(self._h, b.address, chunk)
                if r == _NONE:
                    return b''.join(chunks) if chunks else None
                if r < 0:
                    _fail(r)
                chunks.append(b.mv[:r].tobytes())
                if r < chunk:
                    return b''.join(chunks)
        finally:
            self._give(b)

    def readinto(self, buf, nbytes=-1):
        mv, size = _writable(buf, nbytes, memoryview)
        if size == 0:
            return 0
        arr = (_ct.c_char * mv.nbytes).from_buffer(mv)
        r = _readinto(self._h, arr, size)
        if r < 0:
            if r == _NONE:
                return None
            _fail(r)
        return r

    def readline(self):
        b = self._lb
        if b is None:
            b = self._lb = _Buffer(self._s.MaxLineLength + 1)
        r = _readline(self._h, b.address, len(b.ba))
        if r < 0:
            if r == _NONE:
                return None
            _fail(r)
        return b.mv[:r].tobytes()

    def write(self, buf, length=-1):
        data = _data(buf)
        n = len(data)
        if length is not None and length != -1:
            length = _int(length, 'length')
            if length < 0:
                raise ValueError('length must not be negative')
            n = min(n, length)
        r = _write(self._h, data, n)
        if r < 0:
            if r == _NONE:
                return None
            _fail(r)
        return r

    def makefile(self, mode='rb', buffering=0):
        """As on the device: the socket itself is its file object (read, readinto, readline, write, close)."""
        return self

    # --- options and state

    def setsockopt(self, level, optname, value):
        level = _int(level, 'level')
        optname = _int(optname, 'optname')
        try:
            if isinstance(value, (bytes, bytearray, memoryview)):
                _B.SetSockOptBytes(self._s, level, optname, bytes(value))
            else:
                _B.SetSockOpt(self._s, level, optname, _int(value, 'value'))
        except _ClrError as e:
            raise _err(e) from None

    def setblocking(self, flag):
        self.settimeout(None if flag else 0)

    def settimeout(self, value):
        if value is None:
            seconds = -1.0
        else:
            try:
                seconds = float(value)
            except (TypeError, ValueError):
                raise TypeError('timeout must be a number or None') from None
            if not seconds >= 0:
                raise ValueError('timeout must be non-negative')
        r = _settimeout(self._h, None, -1 if seconds < 0 else int(min(seconds, 4e9) * 1e9))
        if r < 0:
            _fail(r)

    def gettimeout(self):
        t = _B.GetTimeout(self._s)
        return None if t < 0 else t

    def getsocketsta(self):
        r = _getsocketsta(self._h, None, 0)
        if r < 0:
            _fail(r)
        return r - 1

    def getsockname(self):
        try:
            a = _B.GetSockName(self._s)
        except _ClrError as e:
            raise _err(e) from None
        return a.Host, a.Port

    def getpeername(self):
        try:
            a = _B.GetPeerName(self._s)
        except _ClrError as e:
            raise _err(e) from None
        return a.Host, a.Port


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    """[(family, type, proto, canonname, (ip, port))]: one entry, as the device (IPv4 first)."""
    if isinstance(host, bytes):
        host = host.decode()
    if host is None:
        host = ''
    if not isinstance(host, str):
        raise TypeError('host must be a str')
    port = _port(port)
    try:
        infos = _B.GetAddrInfo(host, port)
    except _ClrError as e:
        raise _err(e) from None
    return [(a.Family, a.Type, a.Proto, a.CanonName, (a.SockAddr.Item1, a.SockAddr.Item2)) for a in infos]
