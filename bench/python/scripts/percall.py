# Per-call cost of usocket calls inside `usock run` (compare: percall.cs, the same calls in C#).
import time
import usocket

N = 200000
srv = usocket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(1)
a = usocket.socket()
a.connect(srv.getsockname())
b = srv.accept()[0]
u = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
u.bind(('127.0.0.1', 0))
dst = u.getsockname()
msg = b'x' * 64
buf = bytearray(64)


def bench(name, fn):
    for _ in range(2000):
        fn()
    t0 = time.perf_counter()
    for _ in range(N):
        fn()
    dt = (time.perf_counter() - t0) / N * 1e6
    print('%-34s %.2f us' % (name, dt), flush=True)


def send_recv():
    a.send(msg)
    b.recv(64)


def send_readinto():
    a.send(msg)
    b.readinto(buf)


bench('getsocketsta()', a.getsocketsta)
bench('send(64 B) + recv(64)', send_recv)
bench('send(64 B) + readinto(buf)', send_readinto)
bench('sendto(64 B) (udp)', lambda: u.sendto(msg, dst))
