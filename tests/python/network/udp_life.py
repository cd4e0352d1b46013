# A UDP client (a connected datagram socket, as a CoAP or UDP DTU client) through udp_life.txt: 100 ms each way,
# then a data call that stays lost until the program restarts the radio. The peer (the test) echoes, and answers
# 'later MS' with 'late' after MS: that answer arrives while the data call is down and is lost, not delivered later.
# Usage: udp_life.py PORT
import queue
import sys

import dataCall
import net
import usocket
import utime

port = int(sys.argv[1])
events = queue.Queue()
u = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
u.settimeout(5)
u.connect(('127.0.0.1', port))
start = utime.ticks_ms()
u.send(b'ping')
print('echo', u.recv(100), utime.ticks_diff(utime.ticks_ms(), start) >= 195)
u.send(b'later 3000')  # the answer comes 3 s later: the data call is lost 1 s after the callback below
dataCall.setCallback(lambda args: events.put(args[1]))  # the scenario's clock starts here
assert events.get() == 0
print('lost', u.send(b'during'), flush=True)  # the stack takes it; the network loses it
try:
    print('recv', u.recv(100))
except OSError as e:
    print('recv', e.args[0])  # neither the echo of 'during' nor 'late' came
net.setModemFun(0)
net.setModemFun(1)
assert events.get() == 1
u.sendto(b'after', ('127.0.0.1', port))
data, addr = u.recvfrom(100)
print('back', data, addr == ('127.0.0.1', port), u.getpeername() == ('127.0.0.1', port))
u.close()
