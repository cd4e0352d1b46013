# A round trip during a stall (tcp_stall.txt: nothing passes from 1 s to 4 s): sent at 2 s, answered after 4 s.
# Usage: tcp_stall.py PORT
import sys

import usocket
import utime

s = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
s.settimeout(10)
s.connect(('127.0.0.1', int(sys.argv[1])))
utime.sleep_ms(2000)
start = utime.ticks_ms()
s.send(b'ping\n')
assert s.recv(10) == b'ping\n'
print('rtt', utime.ticks_diff(utime.ticks_ms(), start))
s.close()
