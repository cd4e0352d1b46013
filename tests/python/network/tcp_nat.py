# A TCP client with a keepalive against a carrier NAT that drops idle connections (tcp_nat_*.txt): idle longer than
# the NAT's timeout, its next send meets a reset (104) or silence (110); a heartbeat shorter than it keeps the next
# connection alive.
# Usage: tcp_nat.py PORT
import sys

import usocket
import utime

port = int(sys.argv[1])


def connect():
    s = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(('127.0.0.1', port))
    return s


s = connect()
s.send(b'a\n')
print('echo', s.recv(10))
utime.sleep_ms(3500)  # idle longer than the NAT's 3 s
s.send(b'b\n')  # the device's stack takes it; the carrier does not
try:
    print('recv', s.recv(10))
except OSError as e:
    print('recv', e.args[0])
s.close()
s = connect()
for i in range(6):  # a heartbeat every 300 ms: never idle for 3 s (a tenth of it)
    s.send(b'beat\n')
    assert s.recv(10) == b'beat\n'
    utime.sleep_ms(300)
print('kept')
s.close()
