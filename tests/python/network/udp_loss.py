# 40 datagrams through udp_loss.txt (loss 0.5): which ones the peer gets depends only on the seed.
# Usage: udp_loss.py PORT
import sys

import usocket

u = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
for i in range(40):
    u.sendto(b'%d' % i, ('127.0.0.1', int(sys.argv[1])))
print('sent 40')
u.close()
