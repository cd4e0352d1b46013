# ql_fs: a JSON configuration written and read back, as DTU programs keep theirs. Usage: ql_fs_json.py DIR
import sys

import ql_fs

root = sys.argv[1]
config = {'server': '127.0.0.1', 'port': 6666, 'channels': [1, 2], 'name': 'dtu'}
path = root + '/usr/conf/dtu_config.json'
assert not ql_fs.path_exists(path)
assert ql_fs.touch(path, config) == 0
assert ql_fs.path_exists(path) and ql_fs.path_exists(root + '/usr/conf')
assert ql_fs.read_json(path) == config
assert ql_fs.path_dirname(path) == root + '/usr/conf'
assert ql_fs.path_getsize(path) > 0
assert ql_fs.file_copy(root + '/usr/conf/copy.json', path) is True
assert ql_fs.read_json(root + '/usr/conf/copy.json') == config
assert ql_fs.file_copy(root + '/x.json', root + '/missing.json') is False
assert ql_fs.read_json(root + '/missing.json') is None
ql_fs.mkdirs(root + '/bak/a/b/c')
assert ql_fs.touch(root + '/bak/a/b/c/d.json', [1]) == 0
ql_fs.rmdirs(root + '/bak')
assert not ql_fs.path_exists(root + '/bak')
with open(root + '/plain.txt', 'w') as f:
    f.write('not json')
assert ql_fs.read_json(root + '/plain.txt') == 'not json'
try:
    ql_fs.path_exists(5)
    raise AssertionError('TypeError expected')
except TypeError:
    pass
print('ql_fs OK')
