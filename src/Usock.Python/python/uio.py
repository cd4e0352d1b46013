# uio, the device's io module (also `io` for device code): CPython's io, with open() taking device paths (/usr
# and /bak in the layout, _usock_layout). Never `import io` here: for device code that name is this module.
from _usock_layout import _io
from _usock_layout import device_open as open  # noqa: A001,F401 (the io module's open)


def __getattr__(name):
    return getattr(_io, name)


def __dir__():
    return sorted(set(globals()) | set(dir(_io)))
