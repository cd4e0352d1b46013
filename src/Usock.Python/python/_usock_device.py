# What the device adds around the program, installed once by the host after the runner: `sys.print_exception`
# (MicroPython's, so program code's `sys` and `usys` have it; the standard library's sys only gains a name),
# one-line import errors for modules a PC cannot have, and how the device ends (power off, restart, watchdog).
import importlib.abc
import importlib.machinery
import os
import sys
import traceback

import _usock_config

# Exit codes of a run the device ended (ScriptExitCodes in C# documents the same numbers).
POWER_RESTART = 121
POWER_DOWN = 122
WATCHDOG = 123

# Modules that drive hardware a PC does not have: importing one fails with this one line.
_ABSENT = {
    'lvgl': 'no display on the PC',
    'camera': 'no camera on the PC',
    'ble': 'no Bluetooth radio in usock run',
    'bt': 'no Bluetooth radio in usock run',
    'voiceCall': 'no voice calls without a modem',
    'wifiScan': 'no Wi-Fi scanner in usock run',
    'wifilocator': 'no Wi-Fi scanner in usock run',
    'ethernet': 'no Ethernet PHY driver in usock run (the host network is used as is)',
    'atcmd': 'no modem to send AT commands to',
    'securedata': 'no secure storage partition in usock run',
    'SecureData': 'no secure storage partition in usock run',
    'nb': 'no NB-IoT modem in usock run',
}


def print_exception(exc, file=None, _from_program=False):
    """MicroPython's sys.print_exception: the traceback (no source lines), then `Type: message`."""
    if not isinstance(exc, BaseException):
        raise TypeError('print_exception() needs an exception, not %s' % type(exc).__name__)
    out = sys.stdout if file is None else file
    lines = ['Traceback (most recent call last):\n']
    frames = traceback.extract_tb(exc.__traceback__)
    while _from_program and frames and frames[0].filename.startswith('<usock>/'):
        frames = frames[1:]  # the worker that called the program back is not the program's
    for frame in frames:
        lines.append('  File "%s", line %d, in %s\n' % (frame.filename, frame.lineno, frame.name))
    text = str(exc)
    lines.append('%s: %s\n' % (type(exc).__name__, text) if text else type(exc).__name__ + '\n')
    out.write(''.join(lines))


def callback_failed(what, exc):
    """A callback raised: the device prints it and goes on (MicroPython's protected callback call)."""
    try:
        sys.stderr.write('usock: %s raised; the program goes on, as on the device:\n' % what)
        print_exception(exc, sys.stderr, True)
        sys.stderr.flush()
    except Exception:
        pass


def end(code, line):
    """Ends the run from any thread, as the device powering off or resetting ends the program."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    try:
        sys.stderr.write('usock: %s; the run ends (exit %d)\n' % (line, code))
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(code)


class _Absent(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if path is None and name in _ABSENT:
            return importlib.machinery.ModuleSpec(name, self, origin='<usock>/' + name)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError("usock run: no module '%s' on the PC: %s" % (module.__name__, _ABSENT[module.__name__]),
                          name=module.__name__)


def setup(options):
    _usock_config.options.update({str(k): str(v) for k, v in dict(options).items()})
    sys.print_exception = print_exception
    sys.meta_path.append(_Absent())


def project_dir():
    """The program's folder (the device's /usr): the script's folder, else the current folder (-c, the prompt)."""
    main = sys.modules.get('__main__')
    f = getattr(main, '__file__', None)
    return os.path.dirname(os.path.abspath(f)) if f else os.getcwd()


def staging_dir():
    """Where fota and app_fota put what they download: <project>/.usock_fota (nothing is ever flashed)."""
    path = os.path.join(project_dir(), '.usock_fota')
    os.makedirs(path, exist_ok=True)
    return path


def http_get(url, timeout=30):
    """The body of an http(s) URL (CPython's urllib: --resolve does not apply); OSError when it fails."""
    import urllib.request
    if not isinstance(url, str):
        raise TypeError('the URL must be a string')
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read()
    except OSError:
        raise
    except Exception as e:
        raise OSError(5, '%s: %s' % (url, e)) from None
