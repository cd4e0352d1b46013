# An MQTT client written as device programs are: it waits for checkNet, learns from dataCall's callback that the
# data call is lost and back, and then connects again and goes on publishing (mqtt_life.txt: a 1 s outage at 2 s).
import _thread
import queue

import checkNet
import dataCall
from umqtt import MQTTClient

state = queue.Queue()
dataCall.setCallback(lambda args: state.put(args[1]))
assert checkNet.waitNetworkReady(30) == (3, 1)
n = 0


def receive(c):
    try:
        while c.timerFlag:  # false once closed
            c.wait_msg()  # reads the PUBACKs publish() waits for
    except Exception:
        pass  # the connection was closed


def connect():
    c = MQTTClient('usock-life', 'broker.example.com', keepalive=0, reconn=False)
    c.connect()
    _thread.start_new_thread(receive, (c,))
    return c


def publish(c, count):
    global n
    for _ in range(count):
        n += 1
        c.publish('usock/life', 'msg %d' % n, qos=1)
        print('published', n, flush=True)


client = connect()
publish(client, 3)
assert state.get() == 0
print('lost', flush=True)
assert state.get() == 1
client.close()
client = connect()
publish(client, 3)
client.disconnect()
