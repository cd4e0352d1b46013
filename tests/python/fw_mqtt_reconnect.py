# The firmware's umqtt reconnect: connected and subscribed to a real mosquitto, the client loses the broker (the test
# restarts it); its receive thread's wait_msg fails, the reconnect waits for net/dataCall, connects again and
# subscribes again, and a message published after that reaches the callback.
import _thread
import utime
from umqtt import MQTTClient

got = []
events = []
client = MQTTClient('usock-re', 'broker.example.com', keepalive=30)
client.error_register_cb(events.append)
client.set_callback(lambda topic, msg: got.append((topic, msg)))
client.connect()
client.subscribe('usock/re', qos=1)


def receive():
    while client.timerFlag:
        client.wait_msg()


_thread.start_new_thread(receive, ())
print('ready', flush=True)
deadline = utime.ticks_add(utime.ticks_ms(), 60000)
while not got and utime.ticks_diff(deadline, utime.ticks_ms()) > 0:
    utime.sleep_ms(10)
print('callback', got)
print('events', events)
print('state', client.get_mqttsta())
client.disconnect()
