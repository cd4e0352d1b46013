using System.Diagnostics;
using System.Text.RegularExpressions;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// The device's language (issue 18): each rule of <c>_usock_mpy.RULES</c> has a program written here that fails on
/// plain <c>python3</c> and prints under <c>usock run</c> what MicroPython's source says the device prints (the
/// comments name the lines of <c>py/objstr.c</c>, <c>py/objint.c</c> and <c>extmod/modbinascii.c</c>);
/// <c>--cpython-semantics</c> gives CPython's error back with one line naming the rule; the standard library and
/// host packages keep CPython's rules; compiled program code is cached outside <c>/usr</c>.
/// </summary>
public sealed class DeviceLanguageTests
{
    // compile.c does not mangle (tests/cpydiff/core_class_name_mangling.py): the subclass reads the parent's
    // attribute and method by their own names; the JT/T 808 clients' shape.
    private const string Mangling = """
        class Message:
            def __init__(self):
                self.__version = 2019
                self.__serial = 0

            def __next_serial(self):
                self.__serial += 1
                return self.__serial

        class T0100(Message):
            def version(self):
                return self.__version

            def serial(self):
                return self.__next_serial()

        m = T0100()
        print(m.version(), m.serial(), m.serial(), type(m).__name__, T0100.version.__qualname__)
        print(hasattr(m, '__version'), hasattr(m, '_Message__version'))
        """;

    // str_modulo_format: %s prints with PRINT_STR (a str's text, a float's str), %r with PRINT_REPR, %c of a str its
    // character, keys as str.
    private const string BytesMod = """
        method, path, host = 'GET', '/index.html', 'example.com'
        print(b'%s %s HTTP/1.0\r\nHost: %s\r\n' % (method, path, host))
        print(b'%s=%d %s %r %c %%' % ('n', 5, 1.5, 'q', 'Z'))
        print(b'%(k)s' % {'k': 'v'})
        """;

    // bytes share str's method table (format); {} prints with PRINT_STR: a str's text, a bytes' repr.
    private const string BytesFormat = """
        print(b'GET {} HTTP/1.1\r\n'.format('/ws'))
        key = b'Sec-WebSocket-Key: {}\r\n'
        print(key.format('dGhlIHNhbXBsZQ=='))
        print(b'{}|{}|{:>4}'.format(b'raw', 7, 'x'))
        """;

    // int_from_bytes/int_to_bytes take (bytes, byteorder, signed) positionally, "TODO: Support signed param".
    private const string IntBytes = """
        print(int.from_bytes(b'\xff\xfe', 'big', True))
        print((-2).to_bytes(2, 'big', True), (258).to_bytes(2, 'little', False))
        """;

    // bytes_decode -> mp_obj_str_make_new: the encoding is not read ("TODO: validate 2nd/3rd args"), utf8_check is.
    private const string Decode = """
        frame = b'\xe4\xb8\xad'
        print(frame.decode('ascii') == '\u4e2d', frame.decode('latin-1') == '\u4e2d')
        try:
            b'\x7e\x80\x7e'.decode('utf-8', 'ignore')
        except UnicodeError as e:
            print('UnicodeError', e.args)
        """;

    // str_encode -> bytes_make_new: a str is copied as it is (UTF-8), the encoding not read.
    private const string Encode = """
        print('\u4e2d'.encode('gbk'), '\u00e9'.encode('ascii'), 'A'.encode('latin-1'))
        """;

    // modbinascii.c and modhashlib.c: mp_get_buffer_raise takes a str (its UTF-8); hexlify's separator is a str.
    // The firmware's cloud clients sign with hmac over the device's hashlib: that still works.
    private const string Binascii = """
        import binascii
        import hashlib
        import hmac
        print(binascii.hexlify('text'), binascii.hexlify('ab', '-'), binascii.b2a_base64('hi'), binascii.crc32('abc'))
        h = hashlib.sha256('abc')
        h.update('def')
        print(binascii.hexlify(h.digest()), hmac.new(b'k', b'm', hashlib.sha256).hexdigest()[:16])
        """;

    [Fact]
    public void Private_names_are_not_mangled_in_program_code() =>
        Rule("no-mangling", Mangling, "'T0100' object has no attribute '_T0100__version'", """
            2019 1 2 T0100 T0100.version
            True False

            """);

    [Fact]
    public void Bytes_percent_formats_str_arguments() =>
        Rule("bytes-mod-str", BytesMod, "%b requires a bytes-like object", """
            b'GET /index.html HTTP/1.0\r\nHost: example.com\r\n'
            b"n=5 1.5 'q' Z %"
            b'v'

            """);

    [Fact]
    public void Bytes_have_format() =>
        Rule("bytes-format", BytesFormat, "'bytes' object has no attribute 'format'", """
            b'GET /ws HTTP/1.1\r\n'
            b'Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n'
            b"b'raw'|7|   x"

            """);

    [Fact]
    public void Int_bytes_conversions_take_signed_positionally() =>
        Rule("int-bytes-positional", IntBytes, "from_bytes() takes at most 2 positional arguments", """
            65534
            b'\xff\xfe' b'\x02\x01'

            """);

    [Fact]
    public void Decode_is_utf8_whatever_the_encoding() =>
        Rule("decode-utf8", Decode, "'ascii' codec can't decode", """
            True True
            UnicodeError ()

            """);

    [Fact]
    public void Encode_is_utf8_whatever_the_encoding() =>
        Rule("encode-utf8", Encode, "'ascii' codec can't encode", """
            b'\xe4\xb8\xad' b'\xc3\xa9' b'A'

            """);

    [Fact]
    public void Device_modules_take_str() =>
        Rule("buffer-str", Binascii, "a bytes-like object is required, not 'str'", """
            b'74657874' b'61-62' b'aGk=\n' 891568578
            b'bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721' b60090e3052297ae

            """, hasNote: false); // a device module, not the language: --cpython-semantics keeps it

    [Fact]
    public void Every_rule_listed_has_its_test_here()
    {
        string rules = File.ReadAllText(Path.Combine(PythonScripts.RepoRoot, "src", "Usock.Python", "python", "_usock_mpy.py"));
        string[] tests = [.. Regex.Matches(rules, @"^\s+'(\w+)'\),$", RegexOptions.Multiline).Select(m => m.Groups[1].Value)];
        Assert.Equal(7, tests.Length);
        foreach (string test in tests)
        {
            Assert.True(typeof(DeviceLanguageTests).GetMethod(test) is not null, $"no test {test} for a rule of _usock_mpy.RULES");
        }
    }

    [Fact]
    public void A_usr_module_is_compiled_with_the_device_rules_and_cached_outside_usr()
    {
        PythonScripts.SkipUnlessPython();
        using DeviceProject project = new DeviceProject()
            .File("proto.py", "class Message:\n    def __init__(self):\n        self.__version = 2013\n")
            .File("main.py", "from usr.proto import Message\nclass T0002(Message):\n    def v(self):\n        return self.__version\nprint(T0002().v())\n");
        string cache = Path.Combine(project.Root, "cache");
        var env = new Dictionary<string, string?> { ["USOCK_CACHE_DIR"] = cache };
        CliProcess.Result first = CliProcess.RunWith(null, env, "run", project.Usr);
        Assert.True(first.ExitCode == 0, first.StdOut + first.StdErr);
        Assert.Equal("2013\n", first.StdOut);
        string[] cached = Directory.GetFiles(cache, "*.pyc", SearchOption.AllDirectories);
        Assert.Equal(2, cached.Length); // main.py and proto.py
        Assert.Empty(Directory.GetDirectories(project.Usr, "__pycache__", SearchOption.AllDirectories));

        // the cached code is used while the source is unchanged, and recompiled when it changes
        DateTime written = File.GetLastWriteTimeUtc(cached[0]);
        CliProcess.Result again = CliProcess.RunWith(null, env, "run", project.Usr);
        Assert.Equal("2013\n", again.StdOut);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cached[0]));
        project.File("proto.py", "class Message:\n    def __init__(self):\n        self.__version = 2019\n");
        CliProcess.Result changed = CliProcess.RunWith(null, env, "run", project.Usr);
        Assert.Equal("2019\n", changed.StdOut);
    }

    [Fact]
    public void Code_and_the_prompt_are_compiled_with_the_device_rules()
    {
        PythonScripts.SkipUnlessPython();
        CliProcess.Result c = PythonScripts.Run("-c", "print(b'%s-%s' % ('a', 1), b'{}'.format('b'))");
        Assert.True(c.ExitCode == 0, c.StdOut + c.StdErr);
        Assert.Equal("b'a-1' b'b'\n", c.StdOut);

        CliProcess.Result prompt = CliProcess.RunWith(
            "class A:\n    def __init__(self): self.__x = 5\n\nclass B(A):\n    def x(self): return self.__x\n\nprint('x', B().x())\n",
            null,
            "run");
        Assert.True(prompt.ExitCode == 0, prompt.StdOut + prompt.StdErr);
        Assert.Contains("x 5\n", prompt.StdOut);
    }

    [Fact]
    public void The_standard_library_and_host_packages_keep_CPython_rules()
    {
        PythonScripts.SkipUnlessPython();
        using DeviceProject project = new DeviceProject().File("main.py", """
            import hostlib
            import _pyio
            b = _pyio.BytesIO()
            b.close()
            print(sorted(k for k in vars(hostlib.Lib()) if 'x' in k), '_IOBase__closed' in vars(b))
            """);
        string host = Path.Combine(project.Root, "site");
        Directory.CreateDirectory(host);
        File.WriteAllText(Path.Combine(host, "hostlib.py"), "class Lib:\n    def __init__(self):\n        self.__x = 1\n");
        CliProcess.Result r = CliProcess.RunWith(null, new Dictionary<string, string?> { ["PYTHONPATH"] = host }, "run", project.Usr);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("['_Lib__x'] True\n", r.StdOut);
    }

    [Fact]
    public void A_program_using_none_of_the_rules_compiles_to_the_code_CPython_makes()
    {
        PythonScripts.SkipUnlessPython();
        string tool = Path.Combine(PythonScripts.RepoRoot, "bench", "python", "scripts", "same_code.py");
        string pingpong = Path.Combine(PythonScripts.RepoRoot, "bench", "python", "scripts", "pingpong.py");
        string example = Path.Combine(PythonScripts.RepoRoot, "examples", "quecpython", "example.py");
        (int code, string stdout, string stderr) = Python3(tool, pingpong, example);
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal($"{pingpong} same\n{example} same\n", stdout);
    }

    /// <summary>The program fails on python3 with <paramref name="cpythonError"/>, prints
    /// <paramref name="device"/> under usock run, and fails again with --cpython-semantics (naming the rule).</summary>
    private static void Rule(string rule, string program, string cpythonError, string device, bool hasNote = true)
    {
        PythonScripts.SkipUnlessPython();
        using DeviceProject project = new DeviceProject().File("main.py", program);
        string script = Path.Combine(project.Usr, "main.py");

        (int code, _, string stderr) = Python3(script);
        Assert.True(code != 0, $"python3 ran the {rule} program: {stderr}");
        Assert.Contains(cpythonError, stderr);

        var env = new Dictionary<string, string?> { ["USOCK_CACHE_DIR"] = Path.Combine(project.Root, "cache") };
        CliProcess.Result r = CliProcess.RunWith(null, env, "run", script);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(device.ReplaceLineEndings("\n"), r.StdOut);

        CliProcess.Result off = CliProcess.RunWith(null, env, "run", "--cpython-semantics", script);
        if (hasNote)
        {
            Assert.True(off.ExitCode == 1, off.StdOut + off.StdErr);
            Assert.Contains(cpythonError, off.StdErr);
            Assert.Contains($"usock run: device rule {rule}: ", off.StdErr);
        }
        else
        {
            Assert.Equal(device.ReplaceLineEndings("\n"), off.StdOut);
        }
    }

    private static (int Code, string StdOut, string StdErr) Python3(params string[] args)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-I");
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "python3 did not end");
        return (p.ExitCode, stdout.Result, stderr);
    }
}
