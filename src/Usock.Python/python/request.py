# request, the firmware's HTTP client (QuecPython ports/quectel/core/request.py), written for CPython with the same
# API and behaviour: get/post/put/patch/head/delete(url, data=, json=, files=, headers=, timeout=, stream=, decode=,
# sizeof=, ssl_params=) return a Response whose .content and .text are generators and whose .json() parses the body.
# The connection goes through the device's usocket (so --resolve applies) and, for https, its ussl. As the firmware:
# HTTP/1.0 requests, redirects raise NotImplementedError, a failed connect is RuntimeError, a bad status line
# ValueError, a failed lookup IndexError. Beyond the firmware: chunked bodies are decoded, Content-Length is honoured.
import codecs as _codecs
import json as _json

import usocket
import ussl
import utime

_CRLF = b'\r\n'


class Response:
    """What the server answered: status_code, reason, headers (a dict, values stripped), and the body through
    .content (blocks of `sizeof` bytes, str when decode is True), .text (str blocks) or .json(). The body can be
    read once; the socket is closed when it ends."""

    def __init__(self, f, decode=True, sizeof=4096):
        self.raw = f
        self.encoding = 'utf-8'
        self.decode = decode
        self.sizeof = sizeof
        self.status_code = None
        self.reason = ''
        self.headers = {}
        self._body = None

    def close(self):
        if self.raw is not None:
            try:
                self.raw.close()
            except OSError:
                pass
            self.raw = None

    def _blocks(self):
        if self._body is None or self.raw is None:
            return
        try:
            for block in self._body:
                yield block
        except Exception:
            # as the firmware: a read error (timeout, reset) ends the body; the socket is closed either way
            pass
        finally:
            self._body = None
            self.close()

    @property
    def content(self):
        if not self.decode:
            yield from self._blocks()
            return
        decoder = _codecs.getincrementaldecoder(self.encoding)('replace')
        for block in self._blocks():
            text = decoder.decode(block)
            if text:
                yield text
        rest = decoder.decode(b'', final=True)
        if rest:
            yield rest

    @property
    def text(self):
        for block in self.content:
            yield block if isinstance(block, str) else block.decode(self.encoding, 'replace')

    def json(self):
        parts = [b if isinstance(b, str) else b.decode(self.encoding, 'replace') for b in self.content]
        body = ''.join(parts)
        if not body:
            return None  # as the firmware: the body was already read through content/text
        try:
            return _json.loads(body)
        except ValueError:
            raise ValueError('The data for the response cannot be converted to JSON-type data,'
                             'please try use response.content method') from None


def _split_url(url):
    """(proto, host, port, path) as the firmware reads a URL: http:// or https://, no scheme means http, and a bare
    'ip:port/path'."""
    if not isinstance(url, str):
        raise TypeError('url must be a str, not %s' % type(url).__name__)
    if url.split('.')[0].isdigit():
        if ':' not in url.split('/', 1)[0]:
            raise ValueError("MissingSchema: Invalid URL '{0}': No schema supplied. Perhaps you meant http://{0}? "
                             .format(url))
        hostport, _, path = url.partition('/')
        host, _, port = hostport.partition(':')
        if not port.isdigit():
            raise ValueError('URL address error: ' + url)
        return 'http:', host, int(port), path
    if not url.startswith('http'):
        url = 'http://' + url
    parts = url.split('/', 3)
    if len(parts) < 3:
        raise ValueError('URL address error: ' + url)
    proto, host = parts[0], parts[2]
    path = parts[3] if len(parts) > 3 else ''
    if proto not in ('http:', 'https:'):
        raise ValueError('Unsupported protocol: ' + proto)
    port = 443 if proto == 'https:' else 80
    if ':' in host:
        host, _, p = host.partition(':')
        if not p.isdigit():
            raise ValueError('URL address error: ' + url)
        port = int(p)
    if not host:
        raise ValueError('URL address error: ' + url)
    return proto, host, port, path


def _bytes(v, what):
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, (dict, list)):
        return _json.dumps(v).encode()  # the firmware documents data as "parameters in JSON format"
    raise TypeError('%s must be str, bytes or a dict, not %s' % (what, type(v).__name__))


def _multipart(files, boundary):
    """The body the firmware sends for files={'filepath':, 'filename':[, 'name':][, 'filepath1':, 'filename1':, ...]}."""
    if not isinstance(files, dict):
        raise TypeError('files must be a dict')
    if not (files.get('filepath') and files.get('filename')):
        raise ValueError("Missing key parameters 'filepath' and 'filename'")
    out = []
    for suffix in ('', '1'):
        path = files.get('filepath' + suffix)
        if path is None:
            continue
        name = files.get('name' + suffix)
        filename = files.get('filename' + suffix)
        if name is None and filename is None:
            raise ValueError("Missing key parameters 'filename%s' " % suffix)
        with open(path, 'rb') as f:
            content = f.read()
        if name is not None:
            head = 'Content-Disposition: form-data; %s\r\n\r\n' % name
        else:
            head = ('Content-Disposition: form-data; name="file"; filename="%s"\r\n'
                    'Content-Type: application/octet-stream\r\n\r\n' % filename)
        out.append(b'--' + boundary + _CRLF + head.encode() + content + _CRLF)
    return b''.join(out) + b'--' + boundary + b'--' + _CRLF


def _open(proto, host, port, timeout, ssl_params):
    try:
        ai = usocket.getaddrinfo(host, port, 0, usocket.SOCK_STREAM)[0]
    except IndexError:
        raise IndexError('Domain name resolution error, please check network connection') from None
    s = usocket.socket(ai[0], ai[1], ai[2])
    s.settimeout(timeout)
    try:
        s.connect(ai[-1])
    except OSError as e:
        s.close()
        raise RuntimeError("HTTPConnectionPool(host='%s', port=%d): Max retries exceeded (Caused by "
                           'NewConnectionError: Failed to establish a new connection: [Errno %s])'
                           % (host, port, e.args[0] if e.args else '?')) from e
    if proto == 'https:':
        params = dict(ssl_params or {})
        params.setdefault('server_hostname', host)
        try:
            s = ussl.wrap_socket(s, **params)
        except BaseException:
            s.close()
            raise
    return s


def _read_headers(s, url):
    line = s.readline()
    try:
        parts = line.split(None, 2)
        status = int(parts[1])
    except (IndexError, ValueError):
        raise ValueError("InvalidSchema: No connection adapters were found for '{}'".format(url)) from None
    reason = parts[2].rstrip().decode('latin-1') if len(parts) > 2 else ''
    headers = {}
    location = False
    while True:
        line = s.readline()
        if not line or line == _CRLF or line == b'\n':
            break
        key, sep, value = line.decode('latin-1').partition(':')
        if sep:
            headers[key] = value.strip()
            if key.lower() == 'location':
                location = True
    if location and not 200 <= status <= 299:
        raise NotImplementedError('Redirects not yet supported')
    return status, reason, headers


def _header(headers, name):
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None


def _body(s, method, status, headers, sizeof):
    """The body as a generator of byte blocks: chunked, Content-Length, or until the server closes."""
    if method == 'HEAD' or status in (204, 304) or 100 <= status < 200:
        return iter(())
    if (_header(headers, 'transfer-encoding') or '').lower().find('chunked') >= 0:
        return _chunked(s, sizeof)
    length = _header(headers, 'content-length')
    if length is not None and length.isdigit():
        return _sized(s, int(length), sizeof)
    return _to_end(s, sizeof)


def _to_end(s, sizeof):
    while True:
        block = s.read(sizeof)
        if not block:
            return
        yield block


def _sized(s, left, sizeof):
    while left > 0:
        block = s.read(min(sizeof, left))
        if not block:
            return
        left -= len(block)
        yield block


def _chunked(s, sizeof):
    while True:
        line = s.readline()
        if not line:
            return
        size = int(line.split(b';', 1)[0].strip() or b'0', 16)
        if size == 0:
            while True:  # trailers, then the empty line
                line = s.readline()
                if not line or line in (_CRLF, b'\n'):
                    return
        yield from _sized(s, size, sizeof)
        s.readline()  # the CRLF after the chunk


def request(method, url, data=None, json=None, files=None, stream=None, decode=True, sizeof=255, timeout=None,
            headers=None, ssl_params=None):
    """One HTTP/1.0 request; returns a Response (its body not read yet). `stream` is accepted and ignored, as on the
    device: the body is always read lazily through the generators."""
    if not isinstance(method, str):
        raise TypeError('method must be a str')
    if headers is not None and not isinstance(headers, dict):
        raise TypeError('headers must be a dict')
    if json is not None and data is not None:
        raise ValueError('give data or json, not both')
    if ssl_params is not None and not isinstance(ssl_params, dict):
        raise TypeError('ssl_params must be a dict')
    sizeof = int(sizeof)
    if sizeof <= 0:
        raise ValueError('sizeof must be positive')
    proto, host, port, path = _split_url(url)
    headers = dict(headers or {})
    body = None
    if files:
        boundary = str(utime.time()).encode()
        ctype = _header(headers, 'content-type')
        if ctype is None or ctype == 'multipart/form-data':
            headers.pop('Content-Type', None)
            headers['Content-Type'] = 'multipart/form-data; boundary=' + boundary.decode()
            headers['charset'] = 'UTF-8'
        body = _multipart(files, boundary)
    elif json is not None:
        if _header(headers, 'content-type') is None:
            headers['Content-Type'] = 'application/json'
        body = _json.dumps(json).encode()
    elif data is not None:
        body = _bytes(data, 'data')
    s = _open(proto, host, port, timeout, ssl_params)
    try:
        head = ['%s /%s HTTP/1.0\r\n' % (method, path), 'Host: %s\r\n' % host]
        for k, v in headers.items():
            head.append('%s: %s\r\n' % (k, v))
        if body is not None:
            head.append('Content-Length: %d\r\n' % len(body))
        head.append('\r\n')
        out = ''.join(head).encode()
        if body:
            out += body
        s.write(out)
        status, reason, rheaders = _read_headers(s, url)
    except BaseException:
        s.close()
        raise
    resp = Response(s, decode=decode, sizeof=sizeof)
    resp.status_code = status
    resp.reason = reason
    resp.headers = rheaders
    resp._body = _body(s, method, status, rheaders, sizeof)
    return resp


def head(url, **kw):
    return request('HEAD', url, **kw)


def get(url, **kw):
    return request('GET', url, **kw)


def post(url, **kw):
    return request('POST', url, **kw)


def put(url, **kw):
    return request('PUT', url, **kw)


def patch(url, **kw):
    return request('PATCH', url, **kw)


def delete(url, **kw):
    return request('DELETE', url, **kw)
