# machine.UART on the PC: each port is wired by `--uart N=SPEC` (or USOCK_UARTN=SPEC) to
#   tcp:HOST:PORT  a TCP connection usock makes at UART() (a serial-port simulator or a test listens there)
#   stdio          usock's stdin (received bytes) and stdout (written bytes)
#   pty            a new pseudo-terminal; its name is printed on stderr (open it with a terminal program)
# and is unwired otherwise (writes are dropped, nothing arrives). Received bytes wait in a buffer for read()/any().
import os
import socket as _socket
import sys
import threading

import _usock_config
import _usock_device

_wires = {}
_wires_lock = threading.Lock()


class _Wire:
    def __init__(self, port, spec):
        self.port = port
        self.spec = spec
        self.buffer = bytearray()
        self.lock = threading.Lock()
        self.callback = None
        self._send = None
        recv = None
        if spec == 'stdio':
            recv = self._stdin
            self._send = self._stdout
        elif spec == 'pty':
            import tty
            master, slave = os.openpty()
            tty.setraw(slave)
            self._fds = (master, slave)  # the slave stays open here, so reads on the master do not end
            sys.stderr.write('usock: UART%d is %s\n' % (port, os.ttyname(slave)))
            sys.stderr.flush()
            recv = lambda: os.read(master, 4096)  # noqa: E731
            self._send = lambda data: os.write(master, data)  # noqa: E731
        elif spec.startswith('tcp:'):
            host, _, p = spec[4:].rpartition(':')
            host = host[1:-1] if host.startswith('[') and host.endswith(']') else host  # tcp:[::1]:7000
            try:
                self._sock = _socket.create_connection((host, int(p)), timeout=10)
            except (OSError, ValueError) as e:
                raise OSError(getattr(e, 'errno', None) or 5,
                              'UART%d wired to %s: %s' % (port, spec, e)) from None
            self._sock.settimeout(None)
            recv = lambda: self._sock.recv(4096)  # noqa: E731
            self._send = self._sock.sendall
        elif spec != 'none':
            raise ValueError("UART%d: unknown wiring '%s' (tcp:HOST:PORT, stdio, pty or none)" % (port, spec))
        if recv is not None:
            threading.Thread(target=self._pump, args=(recv,), name='usock-uart%d' % port, daemon=True).start()

    @staticmethod
    def _stdin():
        return os.read(0, 4096)

    @staticmethod
    def _stdout(data):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    def _pump(self, recv):
        while True:
            try:
                data = recv()
            except OSError:
                data = b''
            if not data:
                return  # the other end went away: nothing more arrives, as with a cable pulled out
            with self.lock:
                self.buffer += data
                callback = self.callback
            if callback is not None:
                self.tell(callback, len(data))

    def tell(self, callback, n):
        try:
            callback([0, self.port, n])
        except BaseException as e:
            _usock_device.callback_failed('the UART%d callback' % self.port, e)

    def send(self, data):
        if self._send is None:
            return
        try:
            self._send(data)
        except OSError:
            self._send = None  # the other end went away: later writes are dropped


def wire(port):
    with _wires_lock:
        w = _wires.get(port)
        if w is None:
            w = _wires[port] = _Wire(port, _usock_config.get('uart%d' % port, 'none'))
        return w


class UART:
    UART0, UART1, UART2, UART3, UART4 = 0, 1, 2, 3, 4

    def __init__(self, UARTn, baudrate=115200, databits=8, parity=0, stopbits=1, flowctl=0):
        for name, value in (('UARTn', UARTn), ('baudrate', baudrate), ('databits', databits),
                            ('parity', parity), ('stopbits', stopbits), ('flowctl', flowctl)):
            if type(value) is not int:
                raise TypeError('UART: %s must be an integer, not %s' % (name, type(value).__name__))
        if not 0 <= UARTn <= 4:
            raise ValueError('UART: UARTn must be 0..4, not %d' % UARTn)
        if databits not in (5, 6, 7, 8) or parity not in (0, 1, 2) or stopbits not in (1, 2) or baudrate <= 0:
            raise ValueError('UART: bad line settings')
        self._wire = wire(UARTn)
        self._closed = False

    def any(self):
        with self._wire.lock:
            return len(self._wire.buffer)

    def read(self, nbytes=None):
        if nbytes is not None and type(nbytes) is not int:
            raise TypeError('UART.read: nbytes must be an integer')
        with self._wire.lock:
            buf = self._wire.buffer
            n = len(buf) if nbytes is None or nbytes < 0 else min(nbytes, len(buf))
            data = bytes(buf[:n])
            del buf[:n]
        return data

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        elif isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        elif not isinstance(data, bytes):
            raise TypeError('UART.write needs bytes or str, not %s' % type(data).__name__)
        if self._closed:
            return -1
        self._wire.send(data)
        return len(data)

    def close(self):
        self._closed = True
        return 0

    def set_callback(self, fun):
        if fun is not None and not callable(fun):
            raise TypeError('UART.set_callback needs a function')
        with self._wire.lock:
            self._wire.callback = fun
            waiting = len(self._wire.buffer)
        if fun is not None and waiting:
            # Bytes that came before the callback (stdin piped in at start): told once, so they are not stranded.
            threading.Thread(target=self._wire.tell, args=(fun, waiting), daemon=True).start()
        return 0

    def control_485(self, GPIOn, direction):
        return 0


for _i in range(1, 48):
    setattr(UART, 'GPIO%d' % _i, _i)  # control_485's direction pin, as some firmwares name it on UART
