# The device's usual shape: a receive thread (_thread) reading with settimeout/read while the main thread
# sends with write and polls getsocketsta. The peer is an echo server run by the test (argv[1] = port).
import sys
import usocket
import _thread
import utime

port = int(sys.argv[1])
sock = usocket.socket(usocket.AF_INET, usocket.SOCK_STREAM)
sock.connect(('127.0.0.1', port))
sock.settimeout(0.05)
received = []
lock = _thread.allocate_lock()
done = _thread.allocate_lock()
done.acquire()
total = 200 * 100


def receiver():
    got = 0
    timeouts = 0
    while got < total:
        try:
            data = sock.read(100)
        except OSError as e:
            if e.args[0] != 110:
                raise
            timeouts += 1
            continue
        with lock:
            received.append(data)
        got += len(data)
    print('receiver timeouts', timeouts)
    done.release()


tid = _thread.start_new_thread(receiver, ())
check_ticks = utime.ticks_ms()
for i in range(200):
    msg = ('%03d' % i).encode() * 33 + b'\n'
    assert sock.write(msg) == 100
    assert sock.getsocketsta() == 4
    if i % 50 == 0:
        utime.sleep_ms(20)
if not done.acquire(1, 20):
    print('receiver did not finish')
    sys.exit(3)
data = b''.join(received)
expected = b''.join(('%03d' % i).encode() * 33 + b'\n' for i in range(200))
assert data == expected, (len(data), len(expected))
_thread.delete_lock(lock)
sock.close()
print('echoed', len(data), 'bytes through a receive thread')
print('ALL OK')
