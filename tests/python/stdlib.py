# The script sees the device's names; the standard library keeps CPython's socket, select and ssl.
import socket
import select
import usocket
import uselect
import ussl
import http.client
import ssl
import ujson
import ubinascii
assert socket is usocket, socket
assert select is uselect, select
assert http.client.socket.__name__ == 'socket' and hasattr(http.client.socket, 'create_connection')
assert ssl is ussl, ssl
assert http.client.ssl.__name__ == 'ssl' and hasattr(http.client.ssl, 'SSLContext')
assert http.client.ssl.socket is http.client.socket.socket
assert ujson.dumps([1]) == '[1]' and ubinascii.hexlify(b'\x01') == b'01'
import helper_module
assert helper_module.sock_module is usocket
print('ALL OK')
