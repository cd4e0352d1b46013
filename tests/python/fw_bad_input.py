# Bad input to the firmware libraries: the errors the firmware gives (TypeError / ValueError / OSError with the
# device's errno), no hang. argv[1]: a port that accepts connections and never answers.
import sys

import ntptime
import request
import uwebsocket
from umqtt import MQTTClient

silent = int(sys.argv[1])
checks = 0


def expect(exc, fn, what, errno=None, text=None):
    global checks
    try:
        fn()
    except exc as e:
        if errno is not None and (not e.args or e.args[0] != errno):
            print('FAIL', what, 'errno', e.args)
            sys.exit(1)
        if text is not None and text not in str(e):
            print('FAIL', what, 'message', e)
            sys.exit(1)
        checks += 1
        return
    except BaseException as e:
        print('FAIL', what, 'raised', type(e).__name__, e)
        sys.exit(1)
    print('FAIL', what, 'raised nothing')
    sys.exit(1)


# request
expect(OSError, lambda: request.get('http://127.0.0.1:%d/' % silent, timeout=1), 'a silent server times out', 110)
expect(TypeError, lambda: request.get(123), 'url type')
expect(ValueError, lambda: request.get('http://127.0.0.1:%d/' % silent, sizeof=0), 'sizeof 0')
expect(ValueError, lambda: request.post('http://127.0.0.1:%d/' % silent, files={'filepath': '/x'}), 'files without filename',
       text='Missing key parameters')
expect(TypeError, lambda: request.post('http://127.0.0.1:%d/' % silent, data=object(), timeout=1), 'data type')
expect(ValueError, lambda: request.post('http://127.0.0.1:%d/' % silent, data='a', json={}), 'data and json')
expect(TypeError, lambda: request.get('https://127.0.0.1:%d/' % silent, ssl_params='x'), 'ssl_params type')
expect(RuntimeError, lambda: request.get('http://127.0.0.1:1/'), 'a refused connect', text='[Errno 104]')
# umqtt
expect(ValueError, lambda: MQTTClient('id', 'h', keepalive=3), 'keepalive under 5', text='keepalive >= 5S')
expect(ValueError, lambda: MQTTClient('id', 'h', version=5), 'version 5')
expect(TypeError, lambda: MQTTClient('id', 123), 'server type')
expect(TypeError, lambda: MQTTClient('id', 'h', ssl_params='x'), 'ssl_params type')
expect(OSError, lambda: MQTTClient('id', 'h').publish('t', 'm'), 'publish before connect', 107)
expect(AssertionError, lambda: MQTTClient('id', 'h').subscribe('t'), 'subscribe without a callback')
expect(ValueError, lambda: MQTTClient('id', '127.0.0.1', 1).connect(), 'a refused connect', text="MQTT Connect Error='104'")
c = MQTTClient('id', 'h')
expect(TypeError, lambda: c.set_last_will('t', 5), 'last will type')
# a publish that fails on the network is dropped, as the firmware's (its socket closed under it here)
import _thread
import usocket
c.mqttsendlock = _thread.allocate_lock()
c.sock = usocket.socket()
c.sock.close()
print('dropped publish', c.publish('t', 'm'))
# ntptime
print('settime str', ntptime.settime('8'))
expect(ValueError, lambda: ntptime.time(timeout=0), 'timeout 0')
expect(TypeError, lambda: ntptime.sethost(5), 'host type')
# uwebsocket
expect(ValueError, lambda: uwebsocket.Client.connect('http://127.0.0.1/'), 'not a ws URL')
expect(TypeError, lambda: uwebsocket.Client.connect(5), 'url type')
expect(OSError, lambda: uwebsocket.Client.connect('ws://127.0.0.1:1/'), 'a refused connect', 104)
ws = uwebsocket.WebsocketClient(None)
expect(TypeError, lambda: ws.send(5), 'send type')
# MicroPython's module names for the client work too
import umqtt
import umqtt.robust
from umqtt.simple import MQTTClient as Simple
print('aliases', Simple is MQTTClient and umqtt.robust.MQTTClient is MQTTClient)
print('checks %d' % checks)
print('ALL OK')
