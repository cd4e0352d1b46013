# Round trips and a transfer through a scenario's standing conditions (tcp_shape.txt: 100 ms latency each way,
# 16 KB/s): prints the fastest of 5 round trips and how long 32 KB took to come back, in milliseconds; then a
# non-blocking connect, which goes through the relay too.
# Usage: tcp_shape.py PORT
import sys

import uselect
import usocket
import utime

port = int(sys.argv[1])
s = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
s.settimeout(10)
s.connect(('127.0.0.1', port))
rtts = []
for i in range(5):
    start = utime.ticks_ms()
    s.send(b'ping\n')
    assert s.recv(10) == b'ping\n'
    rtts.append(utime.ticks_diff(utime.ticks_ms(), start))
start = utime.ticks_ms()
s.sendall(b'x' * 32767 + b'\n')
got = 0
while got < 32768:
    got += len(s.recv(65536))
print('rtt', min(rtts), 'transfer', utime.ticks_diff(utime.ticks_ms(), start))
s.close()
t = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
t.setblocking(False)
try:
    t.connect(('127.0.0.1', port))
except OSError as e:
    print('nonblocking', e.args[0])
p = uselect.poll()
p.register(t, uselect.POLLOUT)
assert p.poll(5000)
t.setblocking(True)
t.settimeout(10)
t.send(b'after\n')
print('echo', t.recv(10))
t.close()
