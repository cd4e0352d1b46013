# QuecPython's log module: LEVEL:NAME:message lines on stdout.
import sys as _sys

DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
CRITICAL = 50
_NAMES = {DEBUG: 'DEBUG', INFO: 'INFO', WARNING: 'WARNING', ERROR: 'ERROR', CRITICAL: 'CRITICAL'}
_level = DEBUG
_loggers = {}


def basicConfig(level=INFO):
    global _level
    _level = level


def set_output(out):
    global _sys
    _sys = type('o', (), {'stdout': out})


class Logger:
    def __init__(self, name):
        self.name = name

    def log(self, level, msg, *args):
        if level >= _level:
            if args:
                msg = msg % args
            _sys.stdout.write('%s:%s:%s\n' % (_NAMES.get(level, str(level)), self.name, msg))

    def debug(self, msg, *args):
        self.log(DEBUG, msg, *args)

    def info(self, msg, *args):
        self.log(INFO, msg, *args)

    def warning(self, msg, *args):
        self.log(WARNING, msg, *args)

    warn = warning

    def error(self, msg, *args):
        self.log(ERROR, msg, *args)

    def critical(self, msg, *args):
        self.log(CRITICAL, msg, *args)


def getLogger(name='root'):
    lg = _loggers.get(name)
    if lg is None:
        lg = _loggers[name] = Logger(name)
    return lg
