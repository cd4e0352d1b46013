# An IPv6 datagram socket through udp_v6.txt: sendto and recvfrom on ::1, the peer's address as the device gives it.
# Usage: udp_v6.py PORT
import sys

import usocket

port = int(sys.argv[1])
u = usocket.socket(usocket.AF_INET6, usocket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(b'six', ('::1', port))
data, addr = u.recvfrom(100)
print(data, addr[0], addr[1] == port, u.getsockname()[1] != 0)
u.close()
