# What compiling a project with the device's language costs (docs/performance.md): for every .py file of DIR, in
# one python3 process, the best of REPEAT runs of CPython's compile(), of _usock_mpy.compile_program() (parse,
# transform, compile), and of _usock_mpy.code_for() with a cold and with a warm cache (a fresh cache folder).
# usage: python3 compile_cost.py DIR [REPEAT]
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..', 'src', 'Usock.Python', 'python'))
import _usock_mpy  # noqa: E402


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main():
    folder = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith('.py'))
    sources = [(p, open(p, 'rb').read()) for p in files]
    lines = sum(s.count(b'\n') for _, s in sources)
    cache = tempfile.mkdtemp(prefix='usock-mpy-bench-')
    os.environ['USOCK_CACHE_DIR'] = cache

    def cold():
        shutil.rmtree(cache, ignore_errors=True)
        for p, _ in sources:
            _usock_mpy.code_for(p)

    def warm():
        for p, _ in sources:
            _usock_mpy.code_for(p)

    cpython = best(lambda: [compile(s, p, 'exec', dont_inherit=True) for p, s in sources], repeat)
    device = best(lambda: [_usock_mpy.compile_program(s, p) for p, s in sources], repeat)
    cold_ms = best(cold, repeat)
    warm()
    warm_ms = best(warm, repeat)
    shutil.rmtree(cache, ignore_errors=True)
    print('%d lines in %d files (best of %d):' % (lines, len(files), repeat))
    print('  CPython compile()            %7.1f ms' % cpython)
    print('  device language, compile     %7.1f ms  (+%.1f ms)' % (device, device - cpython))
    print('  device language, cold cache  %7.1f ms  (+%.1f ms: compile and write)' % (cold_ms, cold_ms - cpython))
    print('  device language, warm cache  %7.1f ms  (%+.1f ms against compiling with CPython\'s rules)' % (warm_ms, warm_ms - cpython))


main()
