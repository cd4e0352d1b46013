# ussl, the device's TLS module, backed by Usock's USsl (SslStream underneath). wrap_socket takes a connected
# usocket.socket and returns a wrapped socket whose methods call Usock.USslSocket through pythonnet; the bytes <->
# byte[] conversions are the two helpers _net and _py, errors go through usocket's one codec (_err).
import clr  # noqa: F401
from System import Array as _Array
from System import Byte as _Byte
from System import Exception as _ClrError
from Usock import USslData as _Data
from Usock.Python import Bridge as _B

import usocket as _usocket
from usocket import _data, _err, _int, _writable

CERT_NONE = 0
CERT_OPTIONAL = 1
CERT_REQUIRED = 2

_NOT_GIVEN = object()


def _net(data):
    """Python data (already bytes) to a .NET byte[]: one bulk copy through the buffer protocol."""
    arr = _Array.CreateInstance(_Byte, len(data))
    if data:
        memoryview(arr)[:] = data
    return arr


def _py(arr):
    """A .NET byte[] (or null) to bytes (or None): one bulk copy through the buffer protocol."""
    if arr is None:
        return None
    return bytes(memoryview(arr))


def _pem(value, what):
    """ca / key / cert: the DATA (PEM or DER), as bytes, a bytes-like object or str; None means absent."""
    if value is None:
        return None
    if type(value) is str:
        return _Data.FromString(value)
    try:
        return _Data.FromBytes(_net(memoryview(value).tobytes()))
    except TypeError:
        raise TypeError('%s must be bytes or str (the certificate or key data), not %s' % (what, type(value).__name__)) from None


def _one(name, new, old, old_name):
    if new is not None and old is not None:
        raise TypeError('give %s or %s, not both' % (name, old_name))
    return new if new is not None else old


def wrap_socket(sock, server_side=False, keyfile=None, certfile=None, cert_reqs=None, ca_certs=None,
                server_hostname=None, do_handshake=True, *, ca=None, key=None, cert=None):
    """ussl.wrap_socket: TLS over a connected usocket.socket. ca/key/cert are the data (PEM or DER), not file
    names; keyfile/certfile/ca_certs are the older spellings of key/cert/ca. Without ca the peer's certificate
    is NOT verified (the device's default); cert_reqs is accepted and ignored, as on the device."""
    if not isinstance(sock, _usocket.socket):
        raise TypeError('wrap_socket needs a usocket.socket, not %s' % type(sock).__name__)
    ca = _pem(_one('ca', ca, ca_certs, 'ca_certs'), 'ca')
    key = _pem(_one('key', key, keyfile, 'keyfile'), 'key')
    cert = _pem(_one('cert', cert, certfile, 'certfile'), 'cert')
    if cert_reqs is not None:
        _int(cert_reqs, 'cert_reqs')
    if isinstance(server_hostname, bytes):
        server_hostname = server_hostname.decode()
    if server_hostname is not None and type(server_hostname) is not str:
        raise TypeError('server_hostname must be a str')
    try:
        s = _B.TlsWrap(sock._s, ca, key, cert, bool(server_side), server_hostname, bool(do_handshake))
    except _ClrError as e:
        raise _err(e) from None
    return SSLSocket(sock, s)


class SSLSocket:
    """The wrapped socket, as the device's: read, readinto, readline, write, setblocking, close, getpeercert(True),
    getsocketsta; Usock's extensions: send, sendall, recv, settimeout, gettimeout, do_handshake."""

    def __init__(self, sock, s):
        self._sock = sock  # keeps the plain socket (and its handle) alive as long as this object
        self._ss = s

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return '<ussl.SSLSocket %s>' % self._ss.ToString()

    def _call(self, method, *args):
        try:
            return method(*args)
        except _ClrError as e:
            raise _err(e) from None

    def read(self, size=-1):
        if size is None:
            size = -1
        size = _int(size, 'size')
        return _py(self._call(_B.TlsRead, self._ss, size))

    def readinto(self, buf, nbytes=-1):
        mv, size = _writable(buf, nbytes, lambda b: memoryview(b).cast('B'))
        if size == 0:
            return 0
        arr = _Array.CreateInstance(_Byte, size)
        r = self._call(_B.TlsReadInto, self._ss, arr, size)
        if r is None:
            return None
        mv[:r] = memoryview(arr)[:r]
        return r

    def readline(self):
        return _py(self._call(_B.TlsReadLine, self._ss))

    def write(self, buf, length=-1):
        data = _data(buf)
        if length is not None and length != -1:
            length = _int(length, 'length')
            if length < 0:
                raise ValueError('length must not be negative')
            data = data[:length]
        return self._call(_B.TlsWrite, self._ss, _net(data))

    def send(self, data):
        return self._call(_B.TlsSend, self._ss, _net(_data(data)))

    def sendall(self, data):
        self._call(_B.TlsSendAll, self._ss, _net(_data(data)))

    def recv(self, bufsize):
        n = _int(bufsize, 'bufsize')
        if n < 0:
            raise ValueError('negative buffersize in recv')
        return _py(self._call(_B.TlsRecv, self._ss, n))

    def do_handshake(self):
        self._call(_B.TlsDoHandshake, self._ss)

    def setblocking(self, flag):
        self.settimeout(None if flag else 0)

    def settimeout(self, value):
        if value is not None:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise TypeError('timeout must be a number or None') from None
            if not value >= 0:
                raise ValueError('timeout must be non-negative')
        self._call(self._ss.SetTimeout, value)

    def gettimeout(self):
        return self._ss.Timeout

    def getpeercert(self, binary_form=False):
        """The peer's certificate as DER bytes (the device supports only getpeercert(True)); None when none."""
        if not binary_form:
            raise ValueError('only getpeercert(True) is supported (the DER bytes)')
        return _py(self._call(self._ss.GetPeerCert))

    def getsocketsta(self):
        return self._ss.GetSocketSta()

    def makefile(self, mode='rb', buffering=0):
        """As on the device: the socket itself is its file object."""
        return self

    def close(self):
        self._ss.Close()
