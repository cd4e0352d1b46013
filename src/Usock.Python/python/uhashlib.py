# uhashlib (also `hashlib` for device code), as MicroPython's extmod/modhashlib.c: sha256, sha1 and md5 whose
# constructor and update() take any object with the buffer protocol, a str included (its UTF-8), and digest().
# CPython's hashlib does the work; hexdigest, copy, digest_size and the rest are CPython's (extensions: the device
# has digest() only). Never `import hashlib` here: for device code that name is this module.
from _usock_std import hashlib as _h


class _Hash:
    _new = None

    def __init__(self, data=None):
        self._h = self._new()
        if data is not None:
            self.update(data)

    def update(self, data):
        self._h.update(data.encode() if isinstance(data, str) else data)

    def digest(self):
        return self._h.digest()

    def __getattr__(self, name):
        return getattr(self._h, name)


class sha256(_Hash):
    _new = _h.sha256


class sha1(_Hash):
    _new = _h.sha1


class md5(_Hash):
    _new = _h.md5
