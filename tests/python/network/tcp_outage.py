# A TCP client through an outage (tcp_outage.txt): connected by name, it waits for the dataCall callback to say the
# data call is lost, then meets what a device meets: sends stall and time out (110), lookups fail (-202), connects
# time out (110). When the callback says the data call is back, it connects again.
# Usage: tcp_outage.py PORT (the server is server.example:PORT, given with --resolve)
import queue
import sys

import dataCall
import usocket

port = int(sys.argv[1])
events = queue.Queue()
dataCall.setCallback(lambda args: events.put(args[1]))


def connect():
    addr = usocket.getaddrinfo('server.example', port)[0][-1]
    s = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(addr)
    return s


def errno_of(call):
    try:
        call()
    except OSError as e:
        return e.args[0]
    return None


s = connect()
s.send(b'hello 1\n')
print('echo', s.recv(100), s.getpeername() == ('127.0.0.1', port))
assert events.get() == 0
s.settimeout(0.5)
sent = 0
chunk = b'x' * 4096
while True:
    try:
        sent += s.send(chunk)
    except OSError as e:
        print('send', e.args[0])
        break
print('lookup', errno_of(lambda: usocket.getaddrinfo('server.example', port)))
t = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
t.settimeout(0.5)
print('connect', errno_of(lambda: t.connect(('127.0.0.1', port))))
t.close()
assert events.get() == 1
s.close()
s = connect()
s.send(b'hello 2\n')
print('echo', s.recv(100))
s.close()
print('sent', sent, file=sys.stderr)
