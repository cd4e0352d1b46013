# uos, the device's os module (also `os` for device code): CPython's os, with every path under /usr and /bak in
# the device's layout (_usock_layout). Names not defined here are CPython's os members.
# Never `import os` here: for device code that name is this module.
import posixpath as _pp
import sys as _sys
import types as _types

import _usock_layout as _L
from _usock_layout import _os

sep = '/'


def listdir(path='.'):
    return _L.call(_os.listdir, path)


def ilistdir(path='.'):
    """(name, type, inode, size) for each entry: type 0x4000 a folder, 0x8000 a file, as MicroPython."""
    with _L.call(_os.scandir, path) as entries:
        for e in list(entries):
            st = e.stat(follow_symlinks=True)
            yield (e.name, 0x4000 if e.is_dir() else 0x8000, e.inode(), st.st_size)


def stat(path, *args, **kwargs):
    return _L.call(_os.stat, path, *args, **kwargs)


def lstat(path):
    return _L.call(_os.lstat, path)


def statvfs(path):
    return _L.call(_os.statvfs, path)


def scandir(path='.'):
    return _L.call(_os.scandir, path)


def remove(path):
    return _L.call(_os.remove, path)


unlink = remove


def rmdir(path):
    return _L.call(_os.rmdir, path)


def mkdir(path, mode=0o777):
    return _L.call(_os.mkdir, path, mode, create=True)


def makedirs(path, mode=0o777, exist_ok=False):
    return _L.call(_os.makedirs, path, mode, exist_ok, create=True)


def rename(src, dst):
    return _L.call2(_os.rename, src, dst, create=True)


def replace(src, dst):
    return _L.call2(_os.replace, src, dst, create=True)


def chdir(path):
    return _L.call(_os.chdir, path)


def getcwd():
    return _L.getcwd()


def access(path, mode):
    return _L.call(_os.access, path, mode)


def utime(path, *args, **kwargs):
    return _L.call(_os.utime, path, *args, **kwargs)


def truncate(path, length):
    return _L.call(_os.truncate, path, length)


def open(path, flags, mode=0o777):  # noqa: A001 (the os module's open)
    return _L.call(_os.open, path, flags, mode, create=bool(flags & (_os.O_CREAT | _os.O_WRONLY | _os.O_RDWR)))


def walk(top, topdown=True, onerror=None, followlinks=False):
    host_top = _L.host(top)
    for dirpath, dirs, files in _os.walk(host_top, topdown, onerror, followlinks):
        yield (top + dirpath[len(host_top):] if isinstance(top, str) else dirpath), dirs, files


def __getattr__(name):
    return getattr(_os, name)


def __dir__():
    return sorted(set(globals()) | set(dir(_os)))


# uos.path (os.path for device code): posixpath, its file tests in the layout.
path = _types.ModuleType('uos.path', 'posixpath, with /usr and /bak in the device layout')


def _tests():
    def wrap(fn):
        def test(p, *args):
            try:
                h = _L.host(p)
            except (TypeError, ValueError):
                return fn(p, *args)
            return fn(h, *args)
        test.__name__ = fn.__name__
        test.__doc__ = fn.__doc__
        return test
    for name in dir(_pp):
        if not name.startswith('_'):
            setattr(path, name, getattr(_pp, name))
    for name in ('exists', 'lexists', 'isfile', 'isdir', 'islink', 'ismount', 'getsize', 'getmtime', 'getatime',
                 'getctime'):
        setattr(path, name, wrap(getattr(_pp, name)))
    path.samefile = lambda a, b: _pp.samefile(_L.host(a), _L.host(b))
    path.abspath = _L.abspath
    path.realpath = lambda p, **kw: _L.abspath(p)


_tests()
_sys.modules['uos.path'] = path
