# The firmware's umqtt against a real mosquitto, reached by name through --resolve (broker.example.com:1883 or :8883).
# The test checks what the broker logged and what mosquitto_sub received.
#   plain     publish QoS 0 (retained) and 1, subscribe with a callback, wait_msg in a receive thread, keepalive ping
#   tls CA CERT KEY   the same over TLS with a client certificate (ssl_params)
import sys

import _thread
import utime
from umqtt import MQTTClient

mode = sys.argv[1]
got = []
lock = _thread.allocate_lock()


def on_message(topic, msg):
    with lock:
        got.append((topic, msg))


if mode == 'tls':
    params = {'ca': open(sys.argv[2], 'rb').read(), 'cert': open(sys.argv[3], 'rb').read(),
              'key': open(sys.argv[4], 'rb').read(), 'server_hostname': 'localhost'}
    client = MQTTClient('usock-tls', 'broker.example.com', 0, keepalive=6, ssl=True, ssl_params=params)
else:
    client = MQTTClient('usock-plain', 'broker.example.com', keepalive=6, user='dev', password='secret')
events = []
client.error_register_cb(events.append)
client.set_callback(on_message)
print('connect', client.connect())
client.subscribe('usock/down', qos=1)
print('check_msg', client.check_msg())  # non-blocking: nothing has come yet


def receive():
    while client.timerFlag:
        client.wait_msg()


_thread.start_new_thread(receive, ())
client.publish('usock/down', 'to myself qos1', qos=1)
client.publish('usock/up', 'retained hello', retain=True)
client.publish('usock/up', b'qos1 \x00 bytes', qos=1)
deadline = utime.ticks_add(utime.ticks_ms(), 10000)
while utime.ticks_diff(deadline, utime.ticks_ms()) > 0:
    with lock:
        if got:
            break
    utime.sleep_ms(10)
print('callback', got)
print('state', client.get_mqttsta())
# the keepalive thread pings keepalive - 3 s after the last ping (ping() moves last_time); the broker's PINGRESP,
# read by the receive thread, clears ping_outstanding
first = client.last_time
deadline = utime.ticks_add(utime.ticks_ms(), 15000)
while utime.ticks_diff(deadline, utime.ticks_ms()) > 0:
    if client.last_time != first and not client.ping_outstanding:
        break
    utime.sleep_ms(10)
print('ping answered', client.last_time != first and not client.ping_outstanding)
keepalive_thread = client.threadId
client.disconnect()
deadline = utime.ticks_add(utime.ticks_ms(), 2000)  # the keepalive thread ends at once, not at its next look at the clock
while _thread.threadIsRunning(keepalive_thread) and utime.ticks_diff(deadline, utime.ticks_ms()) > 0:
    utime.sleep_ms(10)
print('keepalive thread ended', not _thread.threadIsRunning(keepalive_thread))
print('errors', events)
print('ALL OK')
