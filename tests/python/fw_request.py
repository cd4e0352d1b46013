# The firmware's request library against a real HTTP server (tests/python/peers/http_peer.py: CPython's http.server),
# reached by name through --resolve. The test checks what the server received; this script checks the answers.
#   http PORT FILE      every method, json/data/files bodies, chunked and sized bodies, redirects, errors
#   https PORT CA       the same server behind TLS, verified with the CA (ssl_params) and unverified
import sys

import request

checks = 0


def check(cond, what):
    global checks
    if not cond:
        print('FAIL', what)
        sys.exit(1)
    checks += 1


mode, port = sys.argv[1], int(sys.argv[2])

if mode == 'http':
    base = 'http://api.example.com:%d' % port
    r = request.get(base + '/json')
    check(r.status_code == 200 and r.headers.get('Content-Type') == 'application/json', 'status and headers')
    check(r.json() == {'ok': True, 'n': 42, 'text': 'caf\u00e9'}, 'json()')
    r = request.get(base + '/chunked', sizeof=4)
    blocks = list(r.text)
    check(''.join(blocks) == 'alpha-beta-gamma' and all(len(b) <= 4 for b in blocks), 'chunked body in sizeof blocks')
    r = request.post(base + '/echo-json', json={'device': 'usock', 'n': [1, 2]})
    check(''.join(r.content) == '{"device": "usock", "n": [1, 2]}', 'json body echoed')
    r = request.post('127.0.0.1:%d/echo-data' % port, data=b'\x00\xffraw', decode=False)
    check(b''.join(r.content) == b'\x00\xffraw', 'bytes body, decode=False gives bytes')
    r = request.put(base + '/put', data='put body', headers={'X-Device': 'EC600N'})
    check(''.join(r.text) == 'put body', 'put')
    r = request.patch(base + '/patch', data='patch body')
    check(r.status_code == 200, 'patch')
    r = request.delete(base + '/thing/7')
    check(r.status_code == 200, 'delete')
    r = request.head(base + '/head')
    check(r.status_code == 200 and list(r.content) == [], 'head has no body')
    r = request.post(base + '/upload', files={'filepath': sys.argv[3], 'filename': 'report.txt'})
    check(r.status_code == 200, 'files upload')
    r = request.get(base + '/status/404')
    check(r.status_code == 404, 'a 404 is a response, not an error')
    try:
        request.get(base + '/redirect')
        check(False, 'redirect')
    except NotImplementedError as e:
        check('Redirects not yet supported' in str(e), 'redirect is NotImplementedError as on the device')
    try:
        request.get('10.0.0.1')
        check(False, 'ip without port')
    except ValueError as e:
        check('MissingSchema' in str(e), 'an IP without a port is ValueError')
    try:
        request.get('http://nowhere.invalid/')
        check(False, 'dns')
    except OSError as e:
        check(e.args[0] == -202, 'a failed lookup is the device error -202')
    try:
        request.get(base + '/json', headers='x')
        check(False, 'headers type')
    except TypeError:
        check(True, 'headers must be a dict')
elif mode == 'https':
    ca = open(sys.argv[3], 'rb').read()
    r = request.get('https://localhost:%d/json' % port, ssl_params={'ca': ca})
    check(r.status_code == 200 and r.json()['n'] == 42, 'https json with the CA')
    r = request.post('https://localhost:%d/tls-post' % port, data='over tls')
    check(''.join(r.text) == 'over tls', 'https post without verification')
print('checks %d' % checks)
print('ALL OK')
