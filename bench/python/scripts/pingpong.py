# The same program under `python3` (CPython's socket) and `usock run` (socket is usocket there).
# usage: pingpong.py serve MODE | pingpong.py client MODE PORT COUNT   (MODE: pingpong or bulk; COUNT: round
# trips, or MiB for bulk). The server prints "port N" on stderr; the client prints one result line.
import socket
import sys
import time


def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) // 1024
    return 0


def recv_exact(s, n):
    got = b''
    while len(got) < n:
        d = s.recv(n - len(got))
        if not d:
            raise OSError('peer closed')
        got += d
    return got


role, mode = sys.argv[1], sys.argv[2]
if role == 'serve':
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(('127.0.0.1', 0))
    srv.listen(1)
    print('port', srv.getsockname()[1], file=sys.stderr, flush=True)
    conn = srv.accept()[0]
    if mode == 'pingpong':
        while True:
            try:
                d = conn.recv(64)
            except OSError:  # usocket's device profile: 107 at end of stream
                break
            if not d:
                break
            conn.sendall(d)
    else:
        total = 0
        t0 = time.perf_counter()
        while True:
            try:
                d = conn.recv(65536)
            except OSError:
                break
            if not d:
                break
            total += len(d)
        dt = time.perf_counter() - t0
        print('received %d MiB in %.2f s: %.0f MB/s, peak RSS %d MB' % (total >> 20, dt, total / dt / 1e6, rss_mb()), flush=True)
    conn.close()
else:
    port, count = int(sys.argv[3]), int(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(('127.0.0.1', port))
    if mode == 'pingpong':
        msg = b'x' * 64
        for _ in range(1000):
            s.sendall(msg)
            recv_exact(s, 64)
        t0 = time.perf_counter()
        for _ in range(count):
            s.sendall(msg)
            recv_exact(s, 64)
        dt = time.perf_counter() - t0
        print('64 B ping-pong: %.1f us per round trip' % (dt / count * 1e6), flush=True)
    else:
        chunk = b'\xa5' * 65536
        t0 = time.perf_counter()
        for _ in range(count * 16):
            s.sendall(chunk)
        s.close()
        dt = time.perf_counter() - t0
        print('sent %d MiB in %.2f s, peak RSS %d MB' % (count, dt, rss_mb()), flush=True)
