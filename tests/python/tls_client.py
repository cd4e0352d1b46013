# ussl as umqtt uses it, against `openssl s_server -rev` (it sends each line back reversed).
# usock run tls_client.py CASE PORT [CA_FILE [CERT_DER_FILE]]
#   plain:   no ca (no verification); every member of the wrapped socket
#   verify:  ca = CA_FILE's bytes, server_hostname='localhost'; getpeercert(True) == CERT_DER_FILE's bytes
#   wrongca: ca = CA_FILE's bytes (another CA): OSError -9984
#   badca:   ca = b'not a certificate': ValueError('invalid ca...'); bad arguments: TypeError
import sys

import socket
import ssl
import usocket
import ussl

case = sys.argv[1]
port = int(sys.argv[2])
ca_data = open(sys.argv[3], 'rb').read() if len(sys.argv) > 3 else None
checks = 0


def check(cond, what):
    global checks
    if not cond:
        raise AssertionError(what)
    checks += 1


check(ssl is ussl and socket is usocket, 'the script sees ssl as ussl')


def connected():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    s.settimeout(20)
    addr = socket.getaddrinfo('127.0.0.1', port)[0][-1]
    s.connect(addr)
    return s


if case == 'plain':
    # umqtt's shape: the plain socket is replaced by the wrapped one (the plain object is dropped).
    sock = connected()
    ssl_params = {'server_hostname': 'localhost'}
    sock = ussl.wrap_socket(sock, **ssl_params)
    check(sock.getsocketsta() == 4, 'ESTABLISHED under TLS')
    check(sock.write(b'hello tls\n') == 10, 'write returns the count')
    check(sock.readline() == b'slt olleh\n', 'readline reads the reversed line')
    pkt = bytearray(b'abcdef\nXYZ')
    check(sock.write(pkt, 7) == 7, 'write(buf, length) as umqtt calls it')
    check(sock.read(7) == b'fedcba\n', 'read(n)')
    check(sock.send('uvw\n') == 4, 'send takes str as UTF-8')
    buf = bytearray(4)
    check(sock.readinto(buf) == 4 and buf == b'wvu\n', 'readinto fills the buffer')
    sock.sendall(b'12345\n')
    got = b''
    while len(got) < 6:
        got += sock.recv(6 - len(got))
    check(got == b'54321\n', 'sendall then recv')
    sock.settimeout(0.3)
    check(sock.gettimeout() == 0.3, 'gettimeout')
    try:
        sock.read(1)
        check(False, 'a read with nothing to read times out')
    except OSError as e:
        check(e.args[0] == 110 and e.errno == 110, 'timeout is OSError 110: %r' % (e,))
    sock.setblocking(False)
    check(sock.read(1) is None, 'non-blocking read with nothing returns None')
    check(sock.readline() is None, 'non-blocking readline with nothing returns None')
    check(sock.readinto(bytearray(3)) is None, 'non-blocking readinto with nothing returns None')
    try:
        sock.recv(1)
        check(False, 'non-blocking recv with nothing raises')
    except OSError as e:
        check(e.args[0] == 11, 'non-blocking recv is OSError 11: %r' % (e,))
    sock.setblocking(True)
    cert = sock.getpeercert(True)
    check(type(cert) is bytes and cert[:1] == b'\x30', 'getpeercert(True) is DER bytes')
    sock.close()
    try:
        sock.write(b'x')
        check(False, 'write after close raises')
    except OSError as e:
        check(e.args[0] == 9, 'write after close is OSError 9: %r' % (e,))
    check(sock.getsocketsta() == -1, 'getsocketsta after close')
elif case == 'verify':
    sock = ussl.wrap_socket(connected(), ca=ca_data, server_hostname='localhost')
    sock.write('verified\n')
    check(sock.readline() == b'deifirev\n', 'data over a verified connection')
    der = open(sys.argv[4], 'rb').read()
    check(sock.getpeercert(True) == der, "getpeercert(True) is the server's certificate")
    sock.close()
elif case == 'wrongca':
    try:
        ussl.wrap_socket(connected(), ca=ca_data.decode(), server_hostname='localhost')
        check(False, 'a server certificate from another CA is refused')
    except OSError as e:
        check(e.args[0] == -9984 and e.errno == -9984, 'verification failure is OSError -9984: %r' % (e,))
elif case == 'badca':
    sock = connected()
    try:
        ussl.wrap_socket(sock, ca=b'not a certificate')
        check(False, 'bad ca data is refused')
    except ValueError as e:
        check(str(e).startswith('invalid ca'), 'ValueError says invalid ca: %r' % (e,))
    for kwargs, what in (({'cafile': b''}, 'unknown keyword'), ({'ca': 42}, 'ca of the wrong type')):
        try:
            ussl.wrap_socket(sock, **kwargs)
            check(False, what + ' is refused')
        except TypeError:
            check(True, what + ' is TypeError')
    try:
        ussl.wrap_socket(object())
        check(False, 'a non-socket is refused')
    except TypeError:
        check(True, 'a non-socket is TypeError')
    sock.close()
else:
    raise SystemExit('unknown case ' + case)

print('checks %d' % checks)
print('ALL OK')
