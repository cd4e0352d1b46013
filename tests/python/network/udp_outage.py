# Datagrams through an outage (udp_outage.txt: the data call is lost at 2 s for 4 s): sendto still returns the
# length, as the device's stack takes the datagram, but the network loses it.
# Usage: udp_outage.py PORT
import queue
import sys

import dataCall
import usocket

port = int(sys.argv[1])
events = queue.Queue()
u = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
print('before', u.sendto(b'before', ('127.0.0.1', port)))
dataCall.setCallback(lambda args: events.put(args[1]))  # the scenario's clock starts here (udp_outage.txt)
assert events.get() == 0
print('during', u.sendto(b'during', ('127.0.0.1', port)))
assert events.get() == 1
print('after', u.sendto(b'after', ('127.0.0.1', port)))
u.close()
