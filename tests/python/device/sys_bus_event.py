# A sys_bus event between parts of a program: handlers run on worker threads for publish, in the caller's thread
# for publish_sync; unsubscribe stops them.
import _thread

import queue
import sys_bus

got = queue.Queue()
main = _thread.get_ident()


def on_net(topic, msg):
    got.put(('net', topic, msg, _thread.get_ident() != main))


def on_net_too(topic, msg):
    got.put(('too', topic, msg, _thread.get_ident() != main))


sys_bus.subscribe('net/state', on_net)
sys_bus.subscribe('net/state', on_net_too)
sys_bus.subscribe(7, on_net)
sys_bus.publish('net/state', {'up': True})
events = sorted([got.get(), got.get()])
assert events == [('net', 'net/state', {'up': True}, True), ('too', 'net/state', {'up': True}, True)], events
sys_bus.publish_sync(7, 'sync')
assert got.get() == ('net', 7, 'sync', False)
assert sorted(map(str, sys_bus.sub_table())) == ['7', 'net/state']
assert sys_bus.unsubscribe('net/state', on_net_too) is True
assert sys_bus.unsubscribe('net/state', on_net_too) is False
sys_bus.publish_sync('net/state', 'after')
assert got.get() == ('net', 'net/state', 'after', False)
assert got.empty()
assert sys_bus.unsubscribe('net/state') is True
sys_bus.publish_sync('net/state', 'nobody')
assert got.empty()
for bad in (None, 1.5, b'topic'):
    try:
        sys_bus.publish(bad, 1)
        raise AssertionError(bad)
    except TypeError:
        pass
print('sys_bus OK')
