# A DTU: bytes from UART2 go to the server, bytes from the server go to UART2, as the DTU solutions do (the UART
# callback reads on its thread; the main thread receives). Usage: uart_dtu.py PORT (with --uart 2=...)
import sys

import usocket
from machine import UART

uart = UART(UART.UART2, 115200, 8, 0, 1, 0)
sock = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
sock.connect(('127.0.0.1', int(sys.argv[1])))
up = [0]


def on_uart(args):
    data = uart.read(uart.any())
    if data:
        up[0] += len(data)
        sock.send(data)


uart.set_callback(on_uart)
print('forwarding', flush=True)
down = 0
while True:
    try:
        data = sock.recv(1024)
    except OSError:
        break
    if not data:
        break
    down += uart.write(data)
print('forwarded %d bytes up, %d down' % (up[0], down), flush=True)
