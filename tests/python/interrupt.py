# Ctrl-C while blocked in a socket call: prints "blocked" right before recv() on a connection that never
# sends; the test sends SIGINT. KeyboardInterrupt must arrive and the finally block must run. Modes tlsrecv and
# tlspoll (argv[2]: the port of an openssl s_server that sends nothing) block in a ussl recv, or in uselect.poll
# on the ussl socket.
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
        if not mode.startswith('tls'):
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
        elif mode in ('tlsrecv', 'tlspoll'):
            import ussl
            raw = usocket.socket()
            raw.connect(('127.0.0.1', int(sys.argv[2])))
            tls = ussl.wrap_socket(raw, server_hostname='localhost')
            print('blocked', flush=True)
            if mode == 'tlsrecv':
                tls.recv(10)
            else:
                import uselect
                p = uselect.poll()
                p.register(tls, uselect.POLLIN)
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
