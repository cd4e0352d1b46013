# ql_fs: the firmware's file helpers, on open() and uos, so the paths a program gives (/usr/...) reach the
# same files its own open() does.
import ujson
import uos


def _path(path):
    if not isinstance(path, str):
        raise TypeError('ql_fs paths are strings, not %s' % type(path).__name__)
    return path


def path_exists(file_path):
    if not _path(file_path):
        return False
    try:
        uos.stat(file_path)
        return True
    except OSError:
        return False


def path_dirname(file_path):
    pos = _path(file_path).rfind('/')
    if pos < 0:
        return ''
    return '/' if pos == 0 else file_path[:pos]


def path_getsize(file_path):
    if not path_exists(file_path):
        raise OSError(2, "can not find: '%s'" % file_path)
    st = uos.stat(file_path)
    if st[0] & 0o040000:
        return sum(path_getsize(file_path.rstrip('/') + '/' + name) for name in uos.listdir(file_path))
    return st[6]


get_size = path_getsize


def mkdirs(dir_path):
    parts = _path(dir_path).split('/')
    step = parts[0]
    for i, part in enumerate(parts):
        if i:
            step = step + '/' + part
        if step and not path_exists(step):
            uos.mkdir(step)


def rmdirs(dir_path):
    if uos.stat(_path(dir_path))[0] & 0o040000:
        for name in uos.listdir(dir_path):
            rmdirs(dir_path.rstrip('/') + '/' + name)
        uos.rmdir(dir_path)
    else:
        uos.remove(dir_path)


def touch(file, data, file_type='json'):
    """Writes data (JSON-encoded unless file_type is not 'json') to file, creating its folders: 0, or -1."""
    _path(file)
    try:
        folder = path_dirname(file)
        if folder and folder != '/':
            mkdirs(folder)
        with open(file, 'w') as f:
            f.write(ujson.dumps(data) if file_type == 'json' else data)
    except (OSError, TypeError, ValueError):
        return -1
    return 0


def read_json(file):
    """The file's JSON value; its text when it is not JSON; None when it cannot be read."""
    if not path_exists(file):
        return None
    try:
        with open(file, 'r') as f:
            text = f.read()
    except OSError:
        return None
    try:
        return ujson.loads(text)
    except ValueError:
        return text


def file_copy(dst, src):
    _path(dst)
    if not path_exists(src):
        return False
    with open(src, 'rb') as s, open(dst, 'wb') as d:
        while True:
            chunk = s.read(4096)
            if not chunk:
                break
            d.write(chunk)
    return True
