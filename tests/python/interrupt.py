# Ctrl-C while blocked in a socket call: prints "blocked" right before recv() on a connection that never
# sends; the test sends SIGINT. KeyboardInterrupt must arrive and the finally block must run.
import sys
import usocket

srv = usocket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(1)
cli = usocket.socket()
cli.connect(srv.getsockname())
conn, ip, port = srv.accept()
mode = sys.argv[1] if len(sys.argv) > 1 else 'recv'
try:
    try:
        print('blocked', flush=True)
        if mode == 'recv':
            conn.recv(10)
        elif mode == 'accept':
            srv.accept()
        elif mode == 'poll':
            import uselect
            p = uselect.poll()
            p.register(conn, uselect.POLLIN)
            p.poll()
        elif mode == 'sleep':
            import utime
            utime.sleep(60)
        elif mode == 'twice':
            import utime
            while True:
                try:
                    utime.sleep(60)
                except KeyboardInterrupt:
                    print('ignored', flush=True)
        print('returned', flush=True)
    finally:
        print('finally', flush=True)
except KeyboardInterrupt:
    print('KeyboardInterrupt', flush=True)
    sys.exit(42)
