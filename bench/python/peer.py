#!/usr/bin/env python3
"""CPython's socket module running the same scenarios as bench/Usock.Loopback (see docs/performance.md).

usage: peer.py serve SCENARIO BULK RT CYCLES DGRAMS LINES CONNECTIONS
       peer.py client SCENARIO PORT BULK RT CYCLES DGRAMS LINES CONNECTIONS
"""
import os
import selectors
import socket
import sys
import time


def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def serve_many(n):
    out = sys.stdout
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.bind(("127.0.0.1", 0))
    l.listen(4096)
    out.write("PORT %d\n" % l.getsockname()[1]); out.flush()
    ctl, _ = l.accept()
    base = rss()
    l.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(l, selectors.EVENT_READ)
    sel.register(ctl, selectors.EVENT_READ)
    conns = []
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is l:
                c, _ = l.accept()
                c.setblocking(False)
                conns.append(c)
                sel.register(c, selectors.EVENT_READ)
            elif s is ctl:
                ctl.recv(1)
                per = (rss() - base) / max(len(conns), 1)
                out.write("NOTE %d connections: RSS %d B/conn\n" % (len(conns), per))
                out.write("RESULT %.2f\n" % (per / 1024)); out.flush()
                ctl.sendall(b"K")
                for c in conns:
                    c.close()
                return
            else:
                data = s.recv(512)
                if data:
                    s.send(data)


def read_exactly(s, view):
    got = 0
    while got < len(view):
        n = s.recv_into(view[got:])
        if n == 0:
            break
        got += n
    return got


def send_all(s, data):
    s.sendall(data)


def serve(scenario, bulk, rts, cycles, dgrams, lines, connections):
    out = sys.stdout
    if scenario == "many":
        serve_many(connections)
        return
    if scenario == "udp":
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        out.write("PORT %d\n" % u.getsockname()[1]); out.flush()
        buf = bytearray(2048)
        for _ in range(dgrams + dgrams // 10):
            n, addr = u.recvfrom_into(buf)
            u.sendto(memoryview(buf)[:n], addr)
        return
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", 0))
    l.listen(4096)
    out.write("PORT %d\n" % l.getsockname()[1]); out.flush()
    if scenario == "bulk":
        c, _ = l.accept()
        buf = bytearray(64 * 1024)
        view = memoryview(buf)
        total = 0
        while True:
            n = read_exactly(c, view)
            if n == 0:
                break
            total += n
        c.sendall(b"K")
        if total != bulk:
            raise SystemExit("bulk: received %d of %d" % (total, bulk))
        c.close()
    elif scenario == "pingpong":
        c, _ = l.accept()
        buf = bytearray(64)
        view = memoryview(buf)
        while read_exactly(c, view) == 64:
            c.sendall(buf)
        c.close()
    elif scenario == "connect":
        control, _ = l.accept()
        for _ in range(cycles + cycles // 10):
            c, _ = l.accept()
            c.close()
        control.sendall(b"K")
        control.recv(1)
        control.close()
    elif scenario == "lines":
        c, _ = l.accept()
        f = c.makefile("rb")
        count = 0
        first = f.readline()
        t0 = time.perf_counter()
        if first:
            count = 1
            readline = f.readline
            while readline():
                count += 1
        seconds = time.perf_counter() - t0
        if count != lines:
            raise SystemExit("lines: read %d of %d" % (count, lines))
        out.write("RESULT %.0f\n" % (count / seconds)); out.flush()
        f.close()
        c.close()
    else:
        raise SystemExit("unknown scenario " + scenario)


def client(scenario, port, bulk, rts, cycles, dgrams, lines, connections):
    out = sys.stdout
    addr = ("127.0.0.1", port)
    if scenario == "many":
        ctl = socket.create_connection(addr)
        conns = [socket.create_connection(addr) for _ in range(connections)]
        msg = bytes(64)
        for c in conns:
            c.sendall(msg)
        view = memoryview(bytearray(64))
        for c in conns:
            if read_exactly(c, view) != 64:
                raise SystemExit("many: a connection did not echo")
        ctl.sendall(b"M")
        ctl.recv(1)
        for c in conns:
            c.close()
        return
    if scenario == "bulk":
        s = socket.create_connection(addr)
        chunk = os.urandom(64 * 1024)
        t0 = time.perf_counter()
        for _ in range(bulk // len(chunk)):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
        out.write("RESULT %.0f\n" % (bulk / (time.perf_counter() - t0) / 1e6))
    elif scenario == "pingpong":
        s = socket.create_connection(addr)
        buf = bytearray(64)
        view = memoryview(buf)
        for _ in range(1000):
            s.sendall(buf); read_exactly(s, view)
        t0 = time.perf_counter()
        for _ in range(rts):
            s.sendall(buf); read_exactly(s, view)
        out.write("RESULT %.2f\n" % ((time.perf_counter() - t0) * 1e6 / rts))
    elif scenario == "connect":
        control = socket.create_connection(addr)
        for _ in range(cycles // 10):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.connect(addr)
            c.close()
        t0 = time.perf_counter()
        for _ in range(cycles):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.connect(addr)
            c.close()
        control.recv(1)
        out.write("RESULT %.0f\n" % (cycles / (time.perf_counter() - t0)))
        control.sendall(b"K")
    elif scenario == "udp":
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        buf = bytes(512)
        back = bytearray(2048)
        for _ in range(dgrams // 10):
            u.sendto(buf, addr)
            u.recvfrom_into(back)
        t0 = time.perf_counter()
        for _ in range(dgrams):
            u.sendto(buf, addr)
            u.recvfrom_into(back)
        out.write("RESULT %.0f\n" % (dgrams / (time.perf_counter() - t0)))
    elif scenario == "lines":
        s = socket.create_connection(addr)
        block = b"".join(b"%010d" % i + b"x" * 53 + b"\n" for i in range(1024))
        sent = 0
        while sent < lines:
            k = min(1024, lines - sent)
            s.sendall(block[: k * 64])
            sent += k
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
    else:
        raise SystemExit("unknown scenario " + scenario)
    out.flush()


def main(argv):
    role, scenario = argv[1], argv[2]
    if role == "serve":
        serve(scenario, *map(int, argv[3:9]))
    else:
        client(scenario, int(argv[3]), *map(int, argv[4:10]))


if __name__ == "__main__":
    main(sys.argv)
