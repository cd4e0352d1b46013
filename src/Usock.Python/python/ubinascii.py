# ubinascii (also `binascii` for device code), as MicroPython's extmod/modbinascii.c: every function takes any object
# with the buffer protocol, and a str is one there (its UTF-8 bytes), so hexlify('text') works as on the device.
# CPython's binascii does the work. crc32 is here although QuecPython's newest port builds it out
# (MICROPY_PY_BINASCII_CRC32 0). Never `import binascii` here: for device code that name is this module.
from _usock_std import binascii as _b

Error = _b.Error


def _buf(data):
    return data.encode() if isinstance(data, str) else data


def hexlify(data, sep=None):
    """The data in hex; sep: one character (str or bytes) between bytes, as the device takes it."""
    if sep is None:
        return _b.hexlify(_buf(data))
    return _b.hexlify(_buf(data), _buf(sep)[:1])


def unhexlify(data):
    return _b.unhexlify(_buf(data))


def a2b_base64(data):
    return _b.a2b_base64(_buf(data))


def b2a_base64(data, *, newline=True):
    return _b.b2a_base64(_buf(data), newline=newline)


def crc32(data, value=0):
    return _b.crc32(_buf(data), value)
