# A heartbeat armed by the main script, which then returns: the device keeps running the timer. The third beat
# stops the timer and the run ends (exit 0) once nothing is armed any more.
import sys
import usocket
import osTimer

host, port = sys.argv[1], int(sys.argv[2])
s = usocket.socket()
s.connect((host, port))
beats = [0]


def beat(t):
    beats[0] += 1
    s.send(b'beat %d\n' % beats[0])
    if beats[0] == 3:
        t.stop()
        s.close()


timer = osTimer()
timer.start(20, 1, beat)
