# Whether the device language leaves a program's code as CPython compiles it: for each FILE, compares the marshalled
# code of CPython's compile() with _usock_mpy.compile_program()'s, byte for byte. Prints "same" or "differs" per file;
# exits 1 when one differs. A program whose code is the same runs exactly as it would without the transform.
# usage: python3 same_code.py FILE...
import marshal
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..', 'src', 'Usock.Python', 'python'))
import _usock_mpy  # noqa: E402

rc = 0
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        source = f.read()
    same = marshal.dumps(compile(source, path, 'exec', dont_inherit=True)) == marshal.dumps(
        _usock_mpy.compile_program(source, path))
    print(path, 'same' if same else 'differs')
    rc |= not same
sys.exit(rc)
