# A real websocket peer for the uwebsocket tests: the `websockets` library (Debian's python3-websockets) on
# 127.0.0.1, port 0, optionally over TLS. It prints "port N" once listening, then one JSON line per event: the
# request path and headers of each connection, each message received (text or base64 binary), and the close code and
# reason the client sent. It answers every message with "echo:" + the text (or the same bytes), and sends a ping
# before the first answer. Usage: /usr/bin/python3 ws_peer.py [CERT KEY]
import asyncio
import base64
import json
import ssl
import sys

import websockets


def say(**event):
    print(json.dumps(event), flush=True)


async def handler(ws, path=None):
    path = path if path is not None else ws.path
    say(event='open', path=path, headers=dict(ws.request_headers.items()))
    first = True
    try:
        async for message in ws:
            if isinstance(message, str):
                say(event='text', data=message)
                reply = 'echo:' + message
            else:
                say(event='binary', data=base64.b64encode(message).decode())
                reply = message
            if first:
                await ws.ping(b'usock')
                first = False
            await ws.send(reply)
    except websockets.ConnectionClosed:
        pass
    say(event='close', code=ws.close_code, reason=ws.close_reason)


async def main():
    ctx = None
    if len(sys.argv) > 2:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    async with websockets.serve(handler, '127.0.0.1', 0, ssl=ctx) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print('port %d' % port, flush=True)
        await asyncio.Future()


asyncio.run(main())
