# Two threads reading and two threads writing one ussl socket at once, as an MQTT client does (its message loop
# reads while the main thread subscribes and publishes), against `openssl s_server -rev` (each line back reversed).
# The device and a plain socket allow it; ussl must not raise OSError(5) ("another read operation is pending").
# usock run tls_threads.py PORT
import sys
import _thread
import usocket
import ussl
import utime

N = 100
s = usocket.socket()
s.settimeout(20)
s.connect(('127.0.0.1', int(sys.argv[1])))
t = ussl.wrap_socket(s)
lock = _thread.allocate_lock()
got, errors, ended = [], [], [0]


def reader():
    try:
        while True:
            line = t.readline()
            if not line:
                break
            with lock:
                got.append(line)
    except OSError as e:
        if e.args[0] != 9:  # 9: the main thread closed the socket once every line was in
            errors.append('read: %r' % e)
    finally:
        with lock:
            ended[0] += 1


def writer(tag):
    try:
        for i in range(N):
            t.write(b'%s-%03d\n' % (tag, i))
    except OSError as e:
        errors.append('write: %r' % e)
    finally:
        with lock:
            ended[0] += 1


for f, a in ((reader, ()), (reader, ()), (writer, (b'a',)), (writer, (b'b',))):
    _thread.start_new_thread(f, a)
deadline = utime.ticks_add(utime.ticks_ms(), 20000)
while len(got) < 2 * N and not errors and utime.ticks_diff(deadline, utime.ticks_ms()) > 0:
    utime.sleep_ms(10)
t.close()
while ended[0] < 4 and utime.ticks_diff(deadline, utime.ticks_ms()) > 0:
    utime.sleep_ms(10)
assert not errors, errors
sent = sorted(b'%s-%03d' % (tag, i) for tag in (b'a', b'b') for i in range(N))
back = sorted(line.strip()[::-1] for line in got)
assert back == sent, (len(back), back[:3])
print('lines %d, ALL OK' % len(got))
