# The runner inside usock run: loads the device modules from the embedded sources, gives device code (the program
# and the device's modules) the device's names (socket -> usocket, os -> uos, _thread with QuecPython's extras, the
# program's own files as usr.X) and the device's layout (/usr is the program's folder) without changing what the
# standard library imports or opens, installs the Ctrl-C handler and runs the script. Executed once by ScriptHost.
import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import os
import signal
import sys
import sysconfig
import traceback

import clr  # noqa: F401  (pythonnet: makes the .NET namespaces importable)
from Usock.Python import Bridge as _B

# Names a device program imports and CPython has under another name: resolved for every importer (no clash).
_EVERYWHERE = {
    'ustruct': 'struct', 'ujson': 'json',
    'ure': 're', 'uerrno': 'errno', 'ucollections': 'collections',
    'urandom': 'random', 'uzlib': 'zlib', 'usys': 'sys', 'uarray': 'array',
}
# Names the standard library also uses: the device's module only for device code (below).
_DEVICE_ONLY = {'socket': 'usocket', 'select': 'uselect', 'ssl': 'ussl', '_thread': '_usock_thread', 'os': 'uos',
                'io': 'uio', 'queue': '_usock_queue', 'binascii': 'ubinascii',
                'hashlib': 'uhashlib'}
# Never a file of the program: what the device has built in (and the usr package itself).
_BUILT_IN = frozenset(_EVERYWHERE) | frozenset(_DEVICE_ONLY) | {
    'usocket', 'uselect', 'ussl', 'utime', 'uos', 'uio', 'ubinascii', 'uhashlib', 'usr', 'sys', 'builtins', 'gc', 'time', 'math', 'micropython'}
_program = ()   # host folder prefixes holding program code (the project folder)
_library = ()   # the standard library and site-packages: never program code, even inside the project folder
_mpy = None     # _usock_mpy when program code is compiled with the device's rules (not --cpython-semantics)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the device modules from the sources embedded in Usock.Python."""

    def find_spec(self, name, path=None, target=None):
        if path is None and name in _sources:
            return importlib.machinery.ModuleSpec(name, self, origin='<usock>/' + name + '.py')
        if path is None and name == 'usr' and _L.root:
            return _usr_spec(_L.root)
        if _mpy is not None and path is not None and name.startswith('usr.'):
            return _program_spec(name, path)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(compile(_sources[module.__name__], module.__spec__.origin, 'exec'), module.__dict__)


_finder = _Finder()


def _usr_spec(root):
    """The package usr: the program's folder (its __init__.py runs on the first import, as on the device)."""
    init = os.path.join(root, '__init__.py')
    if os.path.isfile(init):
        loader = _mpy.Loader('usr', init) if _mpy is not None else None
        return importlib.util.spec_from_file_location('usr', init, loader=loader, submodule_search_locations=[root])
    spec = importlib.machinery.ModuleSpec('usr', None, is_package=True)
    spec.submodule_search_locations = [root]
    return spec


def _program_spec(name, path):
    """A module of the program's folder, loaded with the device's rules (library code there keeps CPython's)."""
    spec = importlib.machinery.PathFinder.find_spec(name, path)
    if spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader and spec.origin \
            and spec.origin.startswith(_program) and not spec.origin.startswith(_library):
        spec.loader = _mpy.Loader(name, spec.origin)
    return spec


def _is_program(g):
    """Code of the program: its main script, -c code or prompt, and modules loaded from its folder."""
    if g.get('__name__') == '__main__':
        return True
    f = g.get('__file__')
    return bool(f) and f.startswith(_program) and not f.startswith(_library)


def _is_device(g):
    """Code that sees the device: the program, and the device's own modules (embedded, not _usock internals)."""
    if not g:
        return False
    if g.get('__loader__') is _finder:
        return not g.get('__name__', '_').startswith('_')
    return _is_program(g)


def _program_has(top):
    """Whether the program's folder holds the top-level module `top` (then it is usr.top for the program)."""
    if top in _BUILT_IN or not _L.root:
        return False
    if 'usr.' + top in sys.modules:
        return True
    base = os.path.join(_L.root, top)
    if os.path.isfile(base + '.py') or os.path.isfile(os.path.join(base, '__init__.py')):
        return True
    # a bare folder is a package of the program only where nothing else has that name (as CPython's namespaces)
    return os.path.isdir(base) and top not in sys.modules and importlib.util.find_spec(top) is None


def _target(top, g):
    """What a top-level import of `top` means for the importer with globals g: another module's name, or None."""
    if _is_device(g):
        to = _DEVICE_ONLY.get(top) or _EVERYWHERE.get(top)
        if to is None and _is_program(g) and _program_has(top):
            to = 'usr.' + top
        return to
    return _EVERYWHERE.get(top)


def _caller():
    """The globals of the code that called the hook's caller ({} when only native code is on the stack)."""
    try:
        return sys._getframe(2).f_globals
    except ValueError:
        return {}


_std_import = builtins.__import__
_std_import_module = importlib.import_module
_std_open = builtins.open


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0:
        if globals is None:  # __import__('x') called directly: the caller's module decides
            globals = _caller()
        top, dot, rest = name.partition('.')
        to = _target(top, globals)
        if to is not None:
            module = _std_import(to + dot + rest, globals, locals, fromlist, 0)
            return module if fromlist else sys.modules[to]
    return _std_import(name, globals, locals, fromlist, level)


def _import_module(name, package=None):
    if not name.startswith('.'):
        top, dot, rest = name.partition('.')
        to = _target(top, _caller())
        if to is not None:
            name = to + dot + rest
    return _std_import_module(name, package)


def _open(file, mode='r', *args, **kwargs):
    if _is_device(_caller()):
        return _L.device_open(file, mode, *args, **kwargs)
    return _std_open(file, mode, *args, **kwargs)


sys.meta_path.insert(0, _finder)
import _usock_layout as _L  # noqa: E402 (loaded by the finder above)

builtins.__import__ = _import
importlib.import_module = _import_module
builtins.open = _open


def _enter_layout(root, bak, chdir):
    """Makes `root` the device's /usr: the usr package, open() and uos paths, the current folder; the program's
    files are importable by the program only (as usr.X, and by their own names), never by library code."""
    global _program, _library
    root = os.path.realpath(root)
    _L.configure(root, bak or os.path.join(os.path.dirname(root), 'bak'))
    _program = (_L.root.rstrip('/') + '/',)
    _library = tuple(sorted({p.rstrip('/') + '/' for k in ('stdlib', 'platstdlib', 'purelib', 'platlib')
                             for p in [sysconfig.get_paths().get(k)] if p}))
    for entry in ('', '.', root, os.getcwd()):
        while entry in sys.path:
            sys.path.remove(entry)
    sys.modules.pop('usr', None)  # found by the finder (above) when first imported
    sys.dont_write_bytecode = True  # no __pycache__ in the program's folder (the device's /usr)
    if chdir:
        os.chdir(_L.root)


def _on_sigint(signum, frame):
    if _B.TryConsumeInterrupt():
        raise KeyboardInterrupt


def install_sigint():
    signal.signal(signal.SIGINT, _on_sigint)


def _script_tb(tb):
    """The traceback from the script's first frame on, as python3 prints it (no runner frames)."""
    mine = globals()
    while tb is not None and tb.tb_frame.f_globals is mine:
        tb = tb.tb_next
    return tb


def _exit_code(e):
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def _compile(source, filename, mode='exec'):
    """Program code compiled: with the device's rules unless --cpython-semantics."""
    if _mpy is not None:
        return _mpy.compile_program(source, filename, mode)
    return compile(source, filename, mode)


def _run_file(path, g):
    g['__file__'] = path
    g['__cached__'] = None
    if _mpy is not None:
        code = _mpy.code_for(path)
    else:
        with open(path, 'rb') as f:
            code = compile(f.read(), path, 'exec')
    exec(code, g)


def _interact(g):
    import code

    class Console(code.InteractiveConsole):
        def runsource(self, source, filename='<input>', symbol='single'):
            try:
                if self.compile(source, filename, symbol) is None:
                    return True   # more input
                compiled = _compile(source, filename, symbol)
            except (OverflowError, SyntaxError, ValueError):
                self.showsyntaxerror(filename)
                return False
            self.runcode(compiled)
            return False

        def showtraceback(self):
            _explain(sys.exc_info()[1])
            super().showtraceback()

    banner = 'Python %s on %s, with Usock: usocket, uselect, utime, log, checkNet ... (Ctrl-D exits)' % (
        sys.version.split()[0], sys.platform)
    Console(g).interact(banner=banner, exitmsg='')


def _explain(e):
    """One line on an error that the device's language would not raise (see _usock_mpy.RULES)."""
    try:
        import _usock_mpy
        _usock_mpy.explain(e, _mpy is not None)
    except Exception:
        pass


def _entry(folder):
    """The file a device project starts from: main.py, else _main.py."""
    for name in ('main.py', '_main.py'):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(2, 'no main.py or _main.py in', folder)


def _wait_for_threads():
    """As the device: the program goes on while threads it started with _thread run (Ctrl-C ends the wait)."""
    threads = sys.modules.get('_usock_thread')
    if threads is not None:
        try:
            threads.wait_all()
        except KeyboardInterrupt:
            print('KeyboardInterrupt (while the program\'s threads ran)', file=sys.stderr)
            raise SystemExit(130) from None


def main(kind, target, argv, bak=None, device_language=True):
    global _mpy
    import __main__
    if device_language:
        import _usock_mpy
        _usock_mpy.install()
        _mpy = _usock_mpy
    g = __main__.__dict__
    g['__name__'] = '__main__'
    g['__builtins__'] = builtins
    rc = 0
    try:
        try:
            if kind in ('file', 'dir'):
                path = os.path.realpath(_entry(target) if kind == 'dir' else target)
                sys.argv = [target if kind == 'file' else path] + list(argv)
                _enter_layout(os.path.dirname(path), bak, chdir=True)
                _run_file(path, g)
                _wait_for_threads()
            elif kind == 'code':
                sys.argv = ['-c'] + list(argv)
                _enter_layout(os.getcwd(), bak, chdir=False)
                exec(_compile(target, '<string>'), g)
                _wait_for_threads()
            else:
                sys.argv = [''] + list(argv)
                _enter_layout(os.getcwd(), bak, chdir=False)
                _interact(g)
        except SystemExit as e:
            rc = _exit_code(e)
        except KeyboardInterrupt as e:
            traceback.print_exception(type(e), e, _script_tb(e.__traceback__))
            rc = 130
        except BaseException as e:
            _explain(e)
            traceback.print_exception(type(e), e, _script_tb(e.__traceback__))
            rc = 1
        try:
            import threading
            threading._shutdown()
            import atexit
            atexit._run_exitfuncs()
        except SystemExit as e:
            rc = _exit_code(e)
        except BaseException:
            traceback.print_exc()
    except KeyboardInterrupt:
        rc = 130
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return rc
