# The "cfun switch" recovery: dataCall's callback publishes on sys_bus; when the data call is lost, an osTimer gives
# it 500 ms to come back by itself, then restarts the radio (net.setModemFun(0), then (1)). cfun_switch.txt loses
# the data call for good at 1 s: only the restart brings it back, after the attach time.
import queue

import dataCall
import net
import osTimer
import sys_bus

events = queue.Queue()
timer = osTimer()


def restart_radio(t):
    print('cfun switch', flush=True)
    net.setModemFun(0)
    net.setModemFun(1)


def on_net(topic, state):
    if state == 0:
        timer.start(500, 0, restart_radio)
    else:
        timer.stop()
    events.put(state)


sys_bus.subscribe('net', on_net)
dataCall.setCallback(lambda args: sys_bus.publish('net', args[1]))
assert events.get() == 0
print('lost', dataCall.getInfo(1, 0)[2][0], net.getState()[1][0], flush=True)
assert events.get() == 1
print('back', dataCall.getInfo(1, 0)[2][0], net.getModemFun(), net.getState()[1][0])
