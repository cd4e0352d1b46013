# CPython's own modules for the device modules that wrap them under the same names (ubinascii is binascii and
# uhashlib is hashlib for device code, so they cannot import those names themselves). Internal: not device code.
import binascii  # noqa: F401
import hashlib  # noqa: F401
