# The device's language for program code: the one place that lists every MicroPython rule usock run emulates, the
# compiler that applies them (an AST transform of program code only: the script, /usr, -c code and the prompt), the
# small runtime helpers the transformed code calls, and the cache of compiled code. Each rule below names the device
# behaviour it reproduces, where MicroPython's source says so (v1.13 to v1.25, as QuecPython's firmware), and its test
# (tests/Usock.Tests/DeviceLanguageTests.cs). Code that uses none of the constructs compiles to what CPython makes.
import builtins
import importlib.machinery
import importlib.util
import marshal
import os
import re
import sys

ast = None  # imported on the first file that needs the rewrite (importing it costs ~10-20 ms of every start)
VERSION = 1  # bump when the transform changes: cached code of other versions is never used

# name: (what the device does, where MicroPython says so, what is emulated here, the test)
RULES = {
    'no-mangling': (
        "private names (self.__x) are not mangled: a subclass reads its parent's self.__x",
        'py/compile.c (no mangling); tests/cpydiff/core_class_name_mangling.py',
        'classes whose body uses a private name are compiled under an all-underscore name, which CPython does not '
        'mangle for, then renamed',
        'Private_names_are_not_mangled_in_program_code'),
    'bytes-mod-str': (
        "b'%s' % 'text' formats the str's text (any object's str()) into the bytes",
        'py/objstr.c str_modulo_format: %s prints the argument with PRINT_STR, bytes undecorated',
        '% with a bytes literal on the left',
        'Bytes_percent_formats_str_arguments'),
    'bytes-format': (
        "bytes has format(): b'{}'.format('x', 1) is b'x1' ({} of a bytes prints its repr)",
        "py/objstr.c: bytes share str's method table (format); tests/cpydiff/types_bytes_format.py",
        '.format(...) calls whose receiver is not a str literal',
        'Bytes_have_format'),
    'int-bytes-positional': (
        "int.from_bytes(b, 'big', True) and n.to_bytes(k, 'big', True) take signed positionally and ignore it "
        '(from_bytes is unsigned; to_bytes writes a negative value in two\'s complement)',
        'py/objint.c int_from_bytes, int_to_bytes ("TODO: Support signed param")',
        'from_bytes/to_bytes calls with three positional arguments',
        'Int_bytes_conversions_take_signed_positionally'),
    'decode-utf8': (
        "bytes.decode(encoding, errors) decodes UTF-8 whatever the arguments say, and raises UnicodeError on "
        'invalid UTF-8 (the device checks: it is not lenient there)',
        'py/objstr.c bytes_decode -> mp_obj_str_make_new ("TODO: validate 2nd/3rd args", utf8_check)',
        '.decode(...) calls with an encoding other than a UTF-8 spelling, or an errors argument',
        'Decode_is_utf8_whatever_the_encoding'),
    'encode-utf8': (
        "str.encode(encoding) encodes UTF-8 whatever the encoding: 'é'.encode('gbk') and .encode('ascii') are "
        "b'\\xc3\\xa9' (JT/T 808 clients hex their 'GBK' text so)",
        'py/objstr.c str_encode -> bytes_make_new: a str argument is copied as it is (UTF-8), the encoding unread',
        '.encode(...) calls with an encoding other than a UTF-8 spelling, or an errors argument',
        'Encode_is_utf8_whatever_the_encoding'),
    'buffer-str': (
        "ubinascii and uhashlib take a str where they take bytes (its UTF-8): hexlify('text'), "
        "b2a_base64('text'), sha256('text'), h.update('text')",
        'extmod/modbinascii.c, extmod/modhashlib.c: mp_get_buffer_raise, which a str satisfies',
        'the ubinascii and uhashlib modules (ubinascii.py, uhashlib.py), for every importer',
        'Device_modules_take_str'),
}

# Left as CPython's, with the one line said when the error happens (see explain()).
DIFFERENCES = {
    'bytes-mod-str': "a bytes format held in a variable (fmt % args) keeps CPython's rule: write the literal there",
    'int-bytes-positional': "n.to_bytes(k, 'big') of a negative n raises OverflowError (the device writes two's "
                            "complement): pass True as a third argument",
    'no-mangling': "code compiled by exec()/compile() at run time, and library code, keep CPython's mangling",
    'decode-utf8': 'a codec called directly (codecs.decode, str(b, enc)) keeps its encoding',
    'encode-utf8': 'a codec called directly (codecs.encode, bytes(s, enc)) keeps its encoding',
}

_DEVICE_RULE = 'usock run: device rule %s: %s'
_NOTES = (  # (exception type, text in its message, rule)
    (AttributeError, "'bytes' object has no attribute 'format'", 'bytes-format'),
    (TypeError, '%b requires a bytes-like object', 'bytes-mod-str'),
    (TypeError, 'from_bytes() takes at most 2 positional', 'int-bytes-positional'),
    (TypeError, 'to_bytes() takes at most 2 positional', 'int-bytes-positional'),
    (OverflowError, "can't convert negative int to unsigned", 'int-bytes-positional'),
)


def explain(e, emulating):
    """Adds one line to an error the device would not raise: the device rule and why it was not applied."""
    rule = None
    for kind, text, name in _NOTES:
        if isinstance(e, kind) and text in str(e):
            rule = name
    if isinstance(e, (UnicodeDecodeError, UnicodeEncodeError)) and e.encoding.replace('_', '-') not in _UTF8:
        rule = 'decode-utf8' if isinstance(e, UnicodeDecodeError) else 'encode-utf8'
    name = getattr(e, 'name', None) if isinstance(e, AttributeError) else None
    if isinstance(name, str) and _mangled(name):
        rule = 'no-mangling'
    if rule is None:
        return
    how = (DIFFERENCES.get(rule, 'not emulated here') if emulating
           else 'not emulated: the program runs with --cpython-semantics')
    e.add_note(_DEVICE_RULE % (rule, RULES[rule][0] + '; ' + how))


def _mangled(name):
    head, sep, tail = name.partition('__')
    return bool(sep) and head.startswith('_') and head.strip('_') != '' and tail != '' and not tail.endswith('__')


# ---- the runtime helpers the transformed code calls (reached as the builtin __usock_mpy__) ----

_SPEC = re.compile(rb'%(?:\(([^)]*)\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)', re.S)


def bytes_mod(fmt, args):
    """b'...' % args as the device: %s prints any object's str() (bytes undecorated), %r its repr(), as UTF-8."""
    try:
        return _bytes_mod(fmt, args)
    except _Unconverted as e:
        raise TypeError(str(e)) from None
    except (IndexError, KeyError, TypeError, AttributeError):
        return fmt % args  # CPython's own error for what the device rejects too


class _Unconverted(TypeError):
    pass


_parsed = {}


def _specs(fmt):
    """The conversions of a format (formats are literals: parsed once each)."""
    specs = _parsed.get(fmt)
    if specs is None:
        specs = [(m.start(), m.end(), m.group(0), *m.groups()) for m in _SPEC.finditer(fmt)]
        if len(_parsed) < 1024:
            _parsed[fmt] = specs
    return specs


def _bytes_mod(fmt, args):
    seq = args if isinstance(args, tuple) else (args,)
    out, values, keyed, i, last = [], [], {}, 0, 0
    for start, end, spec, key, width, prec, conv in _specs(fmt):
        out.append(fmt[last:start])
        last = end
        if conv == b'%':
            out.append(spec)
            continue
        for star in (width, prec):
            if star == b'*':
                values.append(seq[i])
                i += 1
        if key is not None:
            value = args[key.decode()]
        else:
            value = seq[i]
            i += 1
        if conv in b'ra':
            value, spec = repr(value).encode(), spec[:-1] + b's'
        elif conv == b's' and value.__class__ is not bytes:
            value = str(value).encode()
        elif conv == b'c' and isinstance(value, str):
            value, spec = value.encode(), spec[:-1] + b's'  # the device prints a one-byte str's character
            if len(value) != 1:
                raise _Unconverted('%c needs int or char')
        out.append(spec)
        if key is not None:
            keyed[key] = value  # the device looks keys up as str; CPython as bytes
        else:
            values.append(value)
    out.append(fmt[last:])
    if not keyed and i != len(seq) and not isinstance(args, dict):
        raise _Unconverted("format string didn't convert all arguments")
    return b''.join(out) % (keyed if keyed else tuple(values))


def bytes_format(fmt, *args, **kwargs):
    """b'{}'.format(...) as the device: the format done on the text, the result bytes ({} of bytes is b'...')."""
    return fmt.decode('utf-8', 'surrogateescape').format(*args, **kwargs).encode('utf-8', 'surrogateescape')


def format(obj, *args, **kwargs):
    if obj.__class__ is bytes:
        return bytes_format(obj, *args, **kwargs)
    return obj.format(*args, **kwargs)


def from_bytes(cls, data, order, signed=False):
    """int.from_bytes(data, order, signed) as the device: signed ignored, any order but 'little' is big-endian."""
    if not (cls is int or isinstance(cls, int) or (isinstance(cls, type) and issubclass(cls, int))):
        return cls.from_bytes(data, order, signed)  # a method of the program's own
    if isinstance(data, str):
        data = data.encode()
    return cls.from_bytes(data, 'little' if order == 'little' else 'big')


def to_bytes(n, length, order, signed=False):
    """n.to_bytes(length, order, signed) as the device: signed ignored, a negative n in two's complement."""
    if not isinstance(n, int):
        return n.to_bytes(length, order, signed)  # a method of the program's own
    order = 'little' if order == 'little' else 'big'
    return n.to_bytes(length, order, signed=n < 0)


def decode(obj, *args, **kwargs):
    if isinstance(obj, (bytes, bytearray)):
        try:
            return obj.decode()
        except UnicodeDecodeError:
            raise UnicodeError() from None  # the device's: no message
    return obj.decode(*args, **kwargs)


def encode(obj, *args, **kwargs):
    if isinstance(obj, str):
        return obj.encode()
    return obj.encode(*args, **kwargs)


# ---- the transform ----

_H = '__usock_mpy__'
_TMP = '_' * 6  # an all-underscore class name: CPython mangles nothing inside it (Python/compile.c _Py_Mangle)
_UTF8 = frozenset(('utf-8', 'utf8', 'UTF-8', 'UTF8'))


def _at(new, old):
    new.lineno, new.col_offset = old.lineno, old.col_offset
    new.end_lineno, new.end_col_offset = old.end_lineno, old.end_col_offset
    return new


def _helper(name, node, args, keywords=()):
    fn = _at(ast.Attribute(value=_at(ast.Name(_H, ast.Load()), node), attr=name, ctx=ast.Load()), node)
    return _at(ast.Call(func=fn, args=list(args), keywords=list(keywords)), node)


def _private(name):
    return name is not None and name.startswith('__') and not name.endswith('__')


def _uses_private(cls):
    for node in ast.walk(cls):
        for name in _names(node):
            if _private(name):
                return True
    return False


def _names(node):
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        return (node.attr,)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, ast.arg):
        return (node.arg,)
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return node.names
    if isinstance(node, ast.alias):
        return (node.asname or node.name.partition('.')[0],)
    return ()


def _class(node):
    """A class using private names: compiled as ______ (nothing mangled), then named and bound as itself."""
    if not _uses_private(node):
        return node
    name = node.name
    node.name = _TMP
    node.decorator_list.append(_helper('named', node, [_at(ast.Constant(name), node)]))
    end = _at(ast.Pass(), node)
    end.lineno = end.end_lineno = node.end_lineno or node.lineno
    bind = _at(ast.Assign(targets=[_at(ast.Name(name, ast.Store()), end)], value=_at(ast.Name(_TMP, ast.Load()), end)), end)
    drop = _at(ast.Delete(targets=[_at(ast.Name(_TMP, ast.Del()), end)]), end)
    return [node, bind, drop]


def _call(node):
    f = node.func
    if f.__class__ is not ast.Attribute:
        return node
    attr = f.attr
    if attr == 'format':
        v = f.value
        if v.__class__ is ast.Constant and isinstance(v.value, str):
            return node
        if v.__class__ is ast.Name and v.id == _H:
            return node
        if v.__class__ is ast.Constant and isinstance(v.value, bytes):
            return _helper('bytes_format', node, [v, *node.args], node.keywords)
        return _helper('format', node, [v, *node.args], node.keywords)
    if attr in ('from_bytes', 'to_bytes'):
        if len(node.args) == 3 and not node.keywords and not any(a.__class__ is ast.Starred for a in node.args):
            return _helper(attr, node, [f.value, *node.args])
    elif attr in ('decode', 'encode') and (node.args or node.keywords):
        a = node.args
        if len(a) == 1 and not node.keywords and a[0].__class__ is ast.Constant and a[0].value in _UTF8:
            return node
        return _helper(attr, node, [f.value, *node.args], node.keywords)
    return node


def _binop(node):
    left = node.left
    if node.op.__class__ is ast.Mod and left.__class__ is ast.Constant and isinstance(left.value, bytes):
        return _helper('bytes_mod', node, [left, node.right])
    return node


def _rewrite(tree, classes):
    """One pass over the tree: each node's children are rewritten, then visited (a rewrite is never rewritten)."""
    rules = {ast.Call: _call, ast.BinOp: _binop}
    if classes:
        rules[ast.ClassDef] = _class
    stack = [tree]
    while stack:
        node = stack.pop()
        for field in node._fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                out = None
                for i, child in enumerate(value):
                    rule = rules.get(child.__class__)
                    new = rule(child) if rule is not None else child
                    if new is not child and out is None:
                        out = value[:i]
                    if new.__class__ is list:
                        out.extend(new)
                        stack.extend(new)
                        continue
                    if out is not None:
                        out.append(new)
                    if isinstance(new, ast.AST):
                        stack.append(new)
                if out is not None:
                    setattr(node, field, out)
            elif isinstance(value, ast.AST):
                rule = rules.get(value.__class__)
                if rule is not None:
                    new = rule(value)
                    if new is not value:
                        setattr(node, field, new)
                        value = new
                stack.append(value)
    return tree


_PRIVATE = re.compile(rb'(?<!\w)__\w+')
_CALLS = re.compile(rb'\.\s*(?:format|from_bytes|to_bytes|decode|encode)\b')
_BYTES = re.compile(rb'(?<![\w])(?:[bB][rR]?|[rR][bB])[\'"]')  # a bytes literal: with a % somewhere, bytes-mod-str


def named(name):
    """The class decorator the transform adds: gives back the class its own name (see no-mangling)."""
    def rename(cls):
        cls.__name__ = name
        cls.__qualname__ = cls.__qualname__[:-len(_TMP)] + name
        prefix = cls.__qualname__[:-len(name)] + _TMP + '.'
        for value in list(vars(cls).values()):
            fn = getattr(value, '__func__', value)
            q = getattr(fn, '__qualname__', None)
            if isinstance(q, str) and q.startswith(prefix):
                try:
                    fn.__qualname__ = cls.__qualname__ + '.' + q[len(prefix):]
                except (AttributeError, TypeError):
                    pass
        return cls
    return rename


def compile_program(source, filename, mode='exec'):
    """Program code compiled with the device's rules."""
    if isinstance(source, str):
        source = source.encode('utf-8', 'surrogateescape')
    classes = any(not m.endswith(b'__') for m in _PRIVATE.findall(source))
    if not classes and _CALLS.search(source) is None and (b'%' not in source or _BYTES.search(source) is None):
        return compile(source, filename, mode, dont_inherit=True)  # nothing to rewrite: CPython's own compile
    global ast
    if ast is None:
        import ast
    tree = _rewrite(ast.parse(source, filename, mode), classes)
    return compile(tree, filename, mode, dont_inherit=True)


# ---- the cache: as CPython's pyc (source mtime and size in a header), in a folder of its own ----

_MAGIC = importlib.util.MAGIC_NUMBER + b'usock-mpy%d' % VERSION


def cache_folder():
    base = os.environ.get('USOCK_CACHE_DIR')
    if not base:
        base = os.path.join(os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'usock')
    return os.path.join(base, 'mpy-%s-v%d' % (sys.implementation.cache_tag, VERSION))


def _cache_path(path):
    # the path's own bytes make the name: one file per source, never one of CPython's __pycache__ files
    try:
        from _sha1 import sha1  # CPython's builtin: hashlib's import costs ~3 ms of every start
    except ImportError:
        from hashlib import sha1
    return os.path.join(cache_folder(), sha1(os.fsencode(path)).hexdigest() + '.pyc')


def code_for(path):
    """The compiled code of a program file: from the cache when its source is unchanged, else compiled and cached."""
    st = os.stat(path)
    header = _MAGIC + b'%d:%d\n' % (st.st_mtime_ns, st.st_size)
    cached = _cache_path(path)
    try:
        with open(cached, 'rb') as f:
            data = f.read()
        if data.startswith(header):
            return marshal.loads(memoryview(data)[len(header):])
    except (OSError, ValueError, EOFError, TypeError):
        pass
    with open(path, 'rb') as f:
        source = f.read()
    code = compile_program(source, path)
    try:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        tmp = '%s.%d.tmp' % (cached, os.getpid())
        with open(tmp, 'wb') as f:
            f.write(header + marshal.dumps(code))
        os.replace(tmp, cached)
    except OSError:
        pass  # an unwritable cache only costs the compile next time
    return code


class Loader(importlib.machinery.SourceFileLoader):
    """Loads a module of the program's folder with the device's rules (never a __pycache__ of CPython's)."""

    def get_code(self, fullname):
        return code_for(self.get_filename(fullname))


def install():
    builtins.__usock_mpy__ = sys.modules[__name__]
