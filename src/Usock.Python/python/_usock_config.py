# The device's settings for this run: `usock run` options (the host fills `options` at start) over USOCK_*
# environment variables (`imei` -> USOCK_IMEI, `uart2` -> USOCK_UART2, `attach_ms` -> USOCK_ATTACH_MS).
import os

options = {}


def get(name, default=None):
    value = options.get(name)
    if value is None:
        value = os.environ.get('USOCK_' + name.upper())
    return default if value is None else value


def get_int(name, default):
    value = get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError('usock: %s must be an integer, not %r' % (name, value)) from None
