# A real HTTP peer for the request tests: CPython's http.server (optionally behind CPython's ssl) on 127.0.0.1, port 0.
# It prints "port N" once listening, then one JSON line per request it received: method, path, request line version,
# headers and the body (base64), so the test asserts what the server got. Routes:
#   /json     -> 200 application/json {"ok": true, "n": 42, "text": "caf\u00e9"}
#   /chunked  -> 200 Transfer-Encoding: chunked, body "alpha-beta-gamma" in three chunks (HTTP/1.1 status line)
#   /redirect -> 302 Location: /json
#   /status/N -> N with an empty body
#   anything else -> 200 text/plain echoing the request body (or "hello" when there is none)
# Usage: python3 http_peer.py [CERT KEY]
import base64
import http.server
import json
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'

    def log_message(self, *args):
        pass

    def _record(self, body):
        print(json.dumps({'method': self.command, 'path': self.path, 'version': self.request_version,
                          'headers': dict(self.headers.items()), 'body': base64.b64encode(body).decode()}), flush=True)

    def _answer(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        self._record(body)
        if self.path == '/json':
            out = json.dumps({'ok': True, 'n': 42, 'text': 'caf\u00e9'}).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(out)))
            self.end_headers()
            self.wfile.write(out)
        elif self.path == '/chunked':
            self.protocol_version = 'HTTP/1.1'
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Transfer-Encoding', 'chunked')
            self.send_header('Connection', 'close')
            self.end_headers()
            for part in (b'alpha-', b'beta-', b'gamma'):
                self.wfile.write(b'%x\r\n%s\r\n' % (len(part), part))
            self.wfile.write(b'0\r\n\r\n')
            self.close_connection = True
        elif self.path == '/redirect':
            self.send_response(302)
            self.send_header('Location', '/json')
            self.send_header('Content-Length', '0')
            self.end_headers()
        elif self.path.startswith('/status/'):
            self.send_response(int(self.path[8:]))
            self.send_header('Content-Length', '0')
            self.end_headers()
        else:
            out = body or b'hello'
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(out)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer


def main():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    if len(sys.argv) > 2:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print('port %d' % server.server_address[1], flush=True)
    server.serve_forever()


main()
