# Writes a device project of about LINES lines (default 5,000) into DIR, for the start-up cost of the device
# language (docs/performance.md): modules m00.py ... of protocol-client shapes (classes with private names, bytes
# formatting with str, hex and struct work), and a main.py that imports them all and prints one line.
# usage: gen_project.py DIR [LINES]
import os
import sys

MODULE = '''import ustruct
import ubinascii


class Base{i}:
    def __init__(self, serial):
        self.__serial = serial
        self.__version = 2019
        self.__fields = {{}}

    def __next(self):
        self.__serial = (self.__serial + 1) & 0xFFFF
        return self.__serial
'''
METHOD = '''
    def message_{i}_{k}(self, method, path, value):
        serial = self.__next()
        header = b'%s /%s HTTP/1.0\\r\\nX-Serial: %d\\r\\n' % (method, path, serial)
        body = ustruct.pack('>HHI', serial, {k}, value & 0xFFFFFFFF)
        text = ubinascii.hexlify(body).decode()
        if len(text) > 8 and text.startswith('00'):
            self.__fields['last'] = text
        elif value < 0:
            raise ValueError('negative value %d' % value)
        return header + b'{{}}'.format(len(body)).replace(b' ', b'') + body
'''
TAIL = '''

class Client{i}(Base{i}):
    def version(self):
        return self.__version

    def run(self):
        return len(self.message_{i}_0('GET', 'x', {i}))
'''


def main():
    folder, lines = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    os.makedirs(folder, exist_ok=True)
    per_method = METHOD.count('\n')
    modules, total, i = [], 0, 0
    while total < lines - 10:
        methods = min(20, max(1, (lines - total - 40) // per_method))
        text = MODULE.format(i=i) + ''.join(METHOD.format(i=i, k=k) for k in range(methods)) + TAIL.format(i=i)
        with open(os.path.join(folder, 'm%02d.py' % i), 'w') as f:
            f.write(text)
        modules.append(i)
        total += text.count('\n')
        i += 1
    main_py = ''.join('from usr.m%02d import Client%d\n' % (n, n) for n in modules)
    main_py += 'print(sum(c(1).run() for c in (%s,)), %d)\n' % (', '.join('Client%d' % n for n in modules), total)
    with open(os.path.join(folder, 'main.py'), 'w') as f:
        f.write(main_py)
    print(total + main_py.count('\n'), 'lines in', len(modules) + 1, 'files')


main()
