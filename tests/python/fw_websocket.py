# QuecPython's uwebsocket client against a real websocket server (tests/python/peers/ws_peer.py: the websockets
# library), reached by name through --resolve. The test checks what the server received.
#   SCHEME PORT   (ws or wss)
import sys

import uwebsocket

scheme, port = sys.argv[1], int(sys.argv[2])
ws = uwebsocket.Client.connect('%s://ws.example.com:%d/device/feed' % (scheme, port), headers={'X-Device': 'usock'})
ws.send('hello')
print('reply', ws.recv())  # the server pings first: recv answers it and returns the message
ws.send(b'\x00\x01\x02bin')
print('binary', ws.recv() == b'\x00\x01\x02bin')
ws.send('x' * 70000)
print('long', len(ws.recv()))
ws.close(1000, 'bye')
print('after close', repr(ws.recv()))
try:
    ws.send('late')
except OSError as e:
    print('send after close', e.args[0])
print('ALL OK')
