# A TCP client with the device's keepalive (TCP_KEEPALIVE, minutes) that then stays silent for 3.5 s: whether the
# carrier's NAT keeps its mapping depends on whether the probes come before the NAT's idle timeout.
# Usage: tcp_keepalive.py PORT
import sys

import usocket
import utime

s = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
s.setsockopt(usocket.SOL_SOCKET, usocket.TCP_KEEPALIVE, 1)  # the first probe after 1 minute idle
s.settimeout(2)
s.connect(('127.0.0.1', int(sys.argv[1])))
s.send(b'a\n')
print('echo', s.recv(10))
utime.sleep_ms(3500)
s.send(b'b\n')
try:
    print('recv', s.recv(10))
except OSError as e:
    print('recv', e.args[0])
s.close()
