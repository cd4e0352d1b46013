# A checkNet wait loop through a scenario (checknet_outage.txt): the data call drops and comes back, then the
# coverage goes and comes back. Prints what the program learns from the callback, dataCall, net and checkNet.
import checkNet
import dataCall
import net
import queue

events = queue.Queue()
print('start', checkNet.waitNetworkReady(5), net.csqQueryPoll())
assert dataCall.setCallback(lambda args: events.put(tuple(args))) == 0  # the scenario's clock starts here
print('lost', events.get(), dataCall.getInfo(1, 0)[2][:3], net.getState()[1][0])
print('wait', checkNet.waitNetworkReady(30))
print('restored', events.get(), dataCall.getInfo(1, 0)[2][0], net.csqQueryPoll(), net.getSignal()[1][0])
print('lost', events.get(), net.getState()[1][0], net.csqQueryPoll(), checkNet.waitNetworkReady(0))
print('wait', checkNet.waitNetworkReady(30))
print('restored', events.get())
