# Every usocket member in every timeout mode (blocking, timeout, non-blocking), errors and their errno.
# Run by PythonScriptTests through `usock run`; prints one line per check and "ALL OK" at the end.
import usocket
import utime
import _thread

checks = 0


def check(name, cond):
    global checks
    if not cond:
        raise AssertionError(name)
    checks += 1


def errno_of(fn, *args):
    try:
        fn(*args)
    except OSError as e:
        check('str of OSError %r' % (e,), str(e).startswith('[Errno %d] ' % e.args[0]))
        check('errno attribute', e.errno == e.args[0])
        return e.args[0]
    return None


def raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return True
    return False


def pair():
    srv = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM, usocket.IPPROTO_TCP_SER)
    srv.setsockopt(usocket.SOL_SOCKET, usocket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(5)
    cli = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
    cli.connect(srv.getsockname())
    conn, ip, port = srv.accept()
    check('accept 3-tuple', ip == '127.0.0.1' and port == cli.getsockname()[1])
    srv.close()
    return cli, conn


# constants
for name, value in [('AF_INET', 2), ('AF_INET6', 10), ('SOCK_STREAM', 1), ('SOCK_DGRAM', 2), ('SOCK_RAW', 3),
                    ('IPPROTO_IP', 0), ('IPPROTO_TCP', 6), ('IPPROTO_UDP', 17), ('IPPROTO_TCP_SER', 7),
                    ('TCP_CUSTOMIZE_PORT', 8), ('SOL_SOCKET', 4095), ('SO_REUSEADDR', 4), ('TCP_KEEPALIVE', 2)]:
    check(name, getattr(usocket, name) == value)

# getaddrinfo: 2..6 arguments, IP literal, localhost, .invalid -> -202
check('getaddrinfo 2 args', usocket.getaddrinfo('127.0.0.1', 80) == [(2, 1, 0, '127.0.0.1', ('127.0.0.1', 80))])
check('getaddrinfo 4 args', usocket.getaddrinfo('localhost', 80, 0, usocket.SOCK_STREAM)[0][-1] == ('127.0.0.1', 80))
check('getaddrinfo 6 args', len(usocket.getaddrinfo('127.0.0.1', 1, 0, 0, 0, 0)) == 1)
check('getaddrinfo .invalid', errno_of(usocket.getaddrinfo, 'no-such-host.invalid', 80) == -202)
check('getaddrinfo bad port type', raises(TypeError, usocket.getaddrinfo, '127.0.0.1', 1.5))
check('getaddrinfo bad port', raises(ValueError, usocket.getaddrinfo, '127.0.0.1', 70000))

# constructor errors
check('bad af', errno_of(usocket.socket, 99, usocket.SOCK_STREAM) == 22)
check('bad type', raises(TypeError, usocket.socket, 'x'))

# ---- blocking mode
cli, conn = pair()
check('getsocketsta established', cli.getsocketsta() == 4)
check('timeout None', cli.gettimeout() is None)
check('send str', cli.send('hello') == 5)
check('recv', conn.recv(5) == b'hello')
check('send bytearray', cli.send(bytearray(b'ab')) == 2)
check('send memoryview', cli.send(memoryview(b'xcdx')[1:3]) == 2)
check('read n', conn.read(4) == b'abcd')
cli.sendall(b'0123456789')
buf = bytearray(4)
check('readinto', conn.readinto(buf) == 4 and buf == b'0123')
check('readinto nbytes', conn.readinto(buf, 2) == 2 and buf[:2] == b'45')
mv = memoryview(bytearray(8))
check('readinto memoryview', conn.readinto(mv[2:], 4) == 4 and bytes(mv[2:6]) == b'6789')
check('write', cli.write(b'line1\nline2\n') == 12)
check('readline', conn.readline() == b'line1\n')
f = conn.makefile('rb')
check('makefile readline', f.readline() == b'line2\n')
check('write length', cli.write(b'abcdef', 3) == 3)
check('makefile read', f.read(3) == b'abc')
check('send type error', raises(TypeError, cli.send, 12))
check('readinto readonly', raises(TypeError, conn.readinto, b'abc'))
check('recv negative', raises(ValueError, conn.recv, -1))
check('settimeout negative', raises(ValueError, cli.settimeout, -1))
check('keepalive', cli.setsockopt(usocket.SOL_SOCKET, usocket.TCP_KEEPALIVE, 1) is None)
check('keepalive range', errno_of(cli.setsockopt, usocket.SOL_SOCKET, usocket.TCP_KEEPALIVE, 121) == 22)
check('second connect', errno_of(cli.connect, ('127.0.0.1', 1)) == 114)
big = bytes(range(256)) * 4096
_thread.start_new_thread(lambda: cli.sendall(big), ())
got = bytearray()
while len(got) < len(big):
    got += conn.recv(65536)
check('sendall 1 MiB', bytes(got) == big)

# ---- timeout mode
conn.settimeout(0.2)
check('gettimeout', conn.gettimeout() == 0.2)
t0 = utime.ticks_ms()
check('recv timeout 110', errno_of(conn.recv, 10) == 110)
check('timeout took ~0.2 s', 150 <= utime.ticks_diff(utime.ticks_ms(), t0) < 2000)
check('read timeout 110', errno_of(conn.read, 10) == 110)
check('readline timeout 110', errno_of(conn.readline) == 110)
check('still usable', cli.send(b'z') == 1 and conn.recv(1) == b'z')
try:
    conn.recv(1)
except OSError as e:
    check('TimeoutError subclass', isinstance(e, TimeoutError) and e.args[0] == 110)

# ---- non-blocking mode
conn.setblocking(False)
check('timeout 0', conn.gettimeout() == 0)
check('recv EAGAIN', errno_of(conn.recv, 10) == 11)
check('read None', conn.read(10) is None)
check('readinto None', conn.readinto(bytearray(4)) is None)
check('readline None', conn.readline() is None)
cli.send(b'part')
utime.sleep_ms(50)
check('nonblocking read short', conn.read(10) == b'part')
cli.setblocking(False)
n = 0
while True:
    r = cli.write(b'x' * 65536)
    if r is None:
        break
    n += r
check('write None when full', n > 0)
check('send EAGAIN when full', errno_of(cli.send, b'x' * 65536) == 11)

# ---- close: FIN to the peer, EBADF after, getsocketsta -1, with-statement
cli2, conn2 = pair()
with cli2:
    cli2.send(b'bye')
check('with closes', cli2.getsocketsta() == -1)
check('peer sees data then end', conn2.recv(10) == b'bye')
check('end of stream first recv 107 (device)', errno_of(conn2.recv, 10) == 107)
check('end of stream later empty', conn2.recv(10) == b'')
check('EBADF after close', errno_of(cli2.send, b'x') == 9)
conn2.close()
conn2.close()
cli.close()
conn.close()

# ---- refused, connect timeout-free errors
s = usocket.socket()
check('refused 104 (device)', errno_of(s.connect, ('127.0.0.1', 1)) == 104)
s.close()
s = usocket.socket()
check('connect .invalid -202', errno_of(s.connect, ('x.invalid', 80)) == -202)
s.close()
s = usocket.socket()
s.setblocking(False)
lst = usocket.socket()
lst.bind(('127.0.0.1', 0))
lst.listen(1)
check('connect non-blocking 115', errno_of(s.connect, lst.getsockname()) == 115)
lst.setblocking(False)
utime.sleep_ms(50)
c3 = lst.accept()
check('accept non-blocking', c3[1] == '127.0.0.1')
check('accept EAGAIN', errno_of(lst.accept) == 11)
lst.settimeout(0.1)
check('accept timeout 110', errno_of(lst.accept) == 110)
c3[0].close()
s.close()
lst.close()
check('bind address type', raises(TypeError, usocket.socket().bind, '127.0.0.1'))

# ---- UDP
u1 = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
u2 = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
u1.bind(('127.0.0.1', 0))
check('sendto', u2.sendto(b'dgram', u1.getsockname()) == 5)
data, addr = u1.recvfrom(100)
check('recvfrom', data == b'dgram' and addr[0] == '127.0.0.1' and addr[1] == u2.getsockname()[1])
check('getsocketsta udp', u1.getsocketsta() == 0)
u1.settimeout(0.1)
check('recvfrom timeout', errno_of(u1.recvfrom, 10) == 110)
u1.setblocking(False)
check('recvfrom EAGAIN', errno_of(u1.recvfrom, 10) == 11)
u1.close()
u2.close()

# ---- collected sockets are closed (the peer sees end of stream)
a, b = pair()
del a
import gc
gc.collect()
b.settimeout(5)
check('collected socket closed', b.read() == b'')
b.close()

print('checks', checks)
print('ALL OK')
