# net.setModemFun(0) then (1), as programs restart the radio: the data call goes down (callback (1, 0), getInfo state
# 0, checkNet not ready), then comes back after the attach time (callback (1, 1)) while checkNet waits.
# Usage: modem_fun.py ATTACH_MS
import sys

import checkNet
import dataCall
import net
import queue
import utime

attach_ms = int(sys.argv[1])
events = queue.Queue()
assert dataCall.setCallback(lambda args: events.put((args[0], args[1]))) == 0
assert checkNet.CheckNetwork('modem_fun', '1.0').wait_network_connected(5) == (3, 1)
assert net.getModemFun() == 1 and dataCall.getInfo(1, 0)[2][0] == 1
assert net.setModemFun(0) == 0
assert events.get() == (1, 0)
assert net.getModemFun() == 0
assert dataCall.getInfo(1, 0)[2][:3] == [0, 0, '0.0.0.0']
assert net.getState()[1][0] == 0 and net.csqQueryPoll() == 99
assert checkNet.waitNetworkReady(0) == (2, 0)
start = utime.ticks_ms()
assert net.setModemFun(1) == 0
result = checkNet.CheckNetwork('modem_fun', '1.0').wait_network_connected(30)
took = utime.ticks_diff(utime.ticks_ms(), start)
assert result == (3, 1), result
assert events.get() == (1, 1)
assert took >= attach_ms - 5, took
assert dataCall.getInfo(1, 0)[2][0] == 1 and net.getState()[1][0] == 1
for bad in ('0', 2):
    try:
        net.setModemFun(bad)
        raise AssertionError(bad)
    except (TypeError, ValueError):
        pass
print('radio back after %d ms (attach %d ms)' % (took, attach_ms))
