# The runner inside usock run: loads the device modules from the embedded sources, gives scripts the device's
# names (socket -> usocket, select -> uselect, ssl -> ussl, _thread with QuecPython's extras) without changing what the
# standard library imports, installs the Ctrl-C handler and runs the script. Executed once by ScriptHost.
import builtins
import importlib.abc
import importlib.machinery
import os
import signal
import sys
import traceback

import clr  # noqa: F401  (pythonnet: makes the .NET namespaces importable)
from Usock.Python import Bridge as _B

# Names a device program imports and CPython has under another name: resolved for every importer (no clash).
_EVERYWHERE = {
    'ustruct': 'struct', 'ubinascii': 'binascii', 'ujson': 'json', 'uos': 'os', 'uio': 'io',
    'ure': 're', 'uhashlib': 'hashlib', 'uerrno': 'errno', 'ucollections': 'collections', 'urandom': 'random',
    'uzlib': 'zlib', 'usys': 'sys', 'uarray': 'array',
}
# Names the standard library also uses: the device's module only for the script and its own modules.
_DEVICE_ONLY = {'socket': 'usocket', 'select': 'uselect', 'ssl': 'ussl', '_thread': '_usock_thread', 'queue': '_usock_queue'}
_roots = ()


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the device modules from the sources embedded in Usock.Python."""

    def find_spec(self, name, path=None, target=None):
        if path is None and name in _sources:
            return importlib.machinery.ModuleSpec(name, self, origin='<usock>/' + name + '.py')
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(compile(_sources[module.__name__], module.__spec__.origin, 'exec'), module.__dict__)


def _is_device(g):
    if not g:
        return False
    if g.get('__name__') == '__main__':
        return True
    f = g.get('__file__')
    return bool(f) and bool(_roots) and f.startswith(_roots)


_std_import = builtins.__import__


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0:
        to = _EVERYWHERE.get(name)
        if to is None:
            to = _DEVICE_ONLY.get(name)
            if to is not None and not _is_device(globals):
                to = None
        if to is not None:
            name = to
    return _std_import(name, globals, locals, fromlist, level)


sys.meta_path.insert(0, _Finder())
builtins.__import__ = _import


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


def _run_file(path, g):
    with open(path, 'rb') as f:
        source = f.read()
    g['__file__'] = path
    g['__cached__'] = None
    exec(compile(source, path, 'exec'), g)


def main(kind, target, argv):
    global _roots
    import __main__
    g = __main__.__dict__
    g['__name__'] = '__main__'
    g['__builtins__'] = builtins
    rc = 0
    try:
        try:
            if kind == 'file':
                path = os.path.abspath(target)
                root = os.path.dirname(path)
                sys.argv = [target] + list(argv)
                sys.path.insert(0, root)
                _roots = (root + os.sep,)
                _run_file(target, g)
            elif kind == 'dir':
                root = os.path.abspath(target)
                main_py = os.path.join(target, 'main.py')
                sys.argv = [main_py] + list(argv)
                sys.path.insert(0, root)
                _roots = (root + os.sep,)
                _run_file(main_py, g)
            elif kind == 'code':
                sys.argv = ['-c'] + list(argv)
                sys.path.insert(0, '')
                _roots = (os.getcwd() + os.sep,)
                exec(compile(target, '<string>', 'exec'), g)
            else:
                import code
                sys.argv = [''] + list(argv)
                sys.path.insert(0, '')
                _roots = (os.getcwd() + os.sep,)
                banner = 'Python %s on %s, with Usock: usocket, uselect, utime, log, checkNet ... (Ctrl-D exits)' % (
                    sys.version.split()[0], sys.platform)
                code.interact(banner=banner, local=g, exitmsg='')
        except SystemExit as e:
            rc = _exit_code(e)
        except KeyboardInterrupt as e:
            traceback.print_exception(type(e), e, _script_tb(e.__traceback__))
            rc = 130
        except BaseException as e:
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
