# An osTimer heartbeat, as tracker and DTU programs send one: every 20 ms a line to the peer, five times, from the
# timer's thread; a second timer's callback raises twice and the program goes on. Usage: heartbeat.py PORT
import sys

import osTimer
import queue
import usocket

sock = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
sock.connect(('127.0.0.1', int(sys.argv[1])))
done = queue.Queue()
beats = [0]
fails = [0]


def heartbeat(arg):
    beats[0] += 1
    sock.send(b'beat %d\n' % beats[0])
    if beats[0] == 5:
        timer.stop()
        done.put(arg)


def failing(arg):
    fails[0] += 1
    if fails[0] == 2:
        bad.delete_timer()
        done.put('failed twice')
    raise ValueError('boom %d' % fails[0])


timer = osTimer.osTimer()
bad = osTimer.osTimer()
assert timer.start(20, 1, heartbeat) == 0
assert bad.start(5, 1, failing) == 0
results = [done.get(), done.get()]
assert timer in results and 'failed twice' in results, results
for wrong in ((-1, 1, heartbeat), ('20', 1, heartbeat), (20, 1, None), (0, 1, heartbeat)):
    try:
        osTimer.osTimer().start(*wrong)
        raise AssertionError(wrong)
    except (TypeError, ValueError):
        pass
sock.close()
print('heartbeat sent %d, callback raised %d' % (beats[0], fails[0]))
