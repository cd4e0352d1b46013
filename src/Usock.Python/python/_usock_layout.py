# The device's file layout on the PC: the program's folder is the device's /usr, and /bak is a folder beside it
# (or --bak DIR). Device code (the program and the device's modules) reaches files through open() and uos/os,
# which call host() here; the standard library keeps the host's paths. Other paths are the host's.
import io as _io
import os as _os
import posixpath as _pp

_std_open = _io.open
root = ''   # the host folder that is /usr
bak = ''    # the host folder that is /bak (created when something is written there)


def configure(usr_folder, bak_folder):
    global root, bak
    root = _os.path.realpath(usr_folder)
    bak = _os.path.realpath(bak_folder)


def _device_parts(p):
    """('/usr' or '/bak', rest) for a device path under /usr or /bak, else None."""
    if not p.startswith(('/usr', '/bak', '//')):
        return None
    n = '/' + _pp.normpath(p).lstrip('/')
    for mount in ('/usr', '/bak'):
        if n == mount or n.startswith(mount + '/'):
            return mount, n[len(mount) + 1:]
    return None


def host(path, create=False):
    """The host path for a device path: /usr/... in the program's folder, /bak/... in the backup folder; other
    paths (relative ones resolve in the current folder, which starts as /usr) and file descriptors unchanged.
    With create, a missing /bak folder is made first (it exists only once something is written there)."""
    if isinstance(path, int):
        return path
    p = _os.fspath(path)
    if isinstance(p, bytes):
        return _os.fsencode(host(_os.fsdecode(p), create))
    if p.startswith((root + '/', bak + '/')) or p in (root, bak):
        return p   # already a host path inside the layout (e.g. from __file__)
    parts = _device_parts(p)
    if parts is None:
        return p
    mount, rest = parts
    base = root if mount == '/usr' else bak
    if create and mount == '/bak' and not _os.path.isdir(bak):
        _os.makedirs(bak, exist_ok=True)
    return _os.path.join(base, rest) if rest else base


def device(path):
    """The device's name for a host path inside the layout (/usr/..., /bak/...), else the path itself."""
    for base, mount in ((root, '/usr'), (bak, '/bak')):
        if path == base:
            return mount
        if path.startswith(base + '/'):
            return mount + path[len(base):]
    return path


def call(fn, path, *args, create=False, **kwargs):
    """fn(host(path), ...) with an OSError naming the device path the program gave, as the device would."""
    h = host(path, create)
    try:
        return fn(h, *args, **kwargs)
    except OSError as e:
        if e.filename is not None and h is not path:
            e.filename = path
        raise


def call2(fn, src, dst, create=False):
    hs, hd = host(src), host(dst, create)
    try:
        return fn(hs, hd)
    except OSError as e:
        e.filename, e.filename2 = src, dst
        raise


def _writes(mode):
    return any(c in mode for c in 'wax+')


def device_open(file, mode='r', *args, **kwargs):
    """The device's open(): /usr and /bak paths in the layout, never the host's /usr."""
    return call(_std_open, file, mode, *args, create=isinstance(mode, str) and _writes(mode), **kwargs)


def getcwd():
    return device(_os.getcwd())


def abspath(p):
    p = _os.fspath(p)
    if isinstance(p, bytes):
        return _os.fsencode(abspath(_os.fsdecode(p)))
    return _pp.normpath(p if p.startswith('/') else _pp.join(getcwd(), p))

