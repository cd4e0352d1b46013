using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>usock run</c> gives a program the device's layout: its folder is <c>/usr</c> (imports as <c>usr.X</c>, files
/// under <c>/usr/...</c>, the current folder), <c>/bak</c> is a folder beside it, and the host's own <c>/usr</c> is
/// never reached. Program code and library code each see their own modules.
/// </summary>
public sealed class DeviceLayoutTests
{
    private const string Main = """
        # A device project as the public ones lay it out: _main.py, usr. imports, /usr and /bak paths.
        import sys
        import ujson
        import uos
        import os
        import importlib
        import usr.settings
        from usr import helper
        from usr.drivers import uart_stub
        from usr.common.tools import add

        marker = sys.argv[1]
        cfg = ujson.loads(open('/usr/config.json').read())
        print('config', cfg['server'], cfg['port'])
        print('modules', usr.settings.NAME, helper.who(), uart_stub.KIND, add(2, 3), usr.STARTED_IN)
        uos.mkdir('/usr/data')
        with open('/usr/data/out.txt', 'w') as f:
            f.write('written on the device')
        print('listdir', uos.listdir('/usr/data'), uos.stat('/usr/data/out.txt')[6])
        uos.rename('/usr/data/out.txt', '/usr/data/kept.txt')
        open('/usr/data/gone.txt', 'w').close()
        uos.remove('/usr/data/gone.txt')
        print('exists', os.path.exists('/usr/data/kept.txt'), os.path.exists('/usr/data/out.txt'),
              os.path.isfile('/usr/data/gone.txt'), os.path.isdir('/usr/data'))
        print('cwd', uos.getcwd(), open('settings.py').read().strip())
        import io, uio
        print('io', io.open('/usr/settings.py').read() == uio.open('settings.py').read(), io.BytesIO(b'x').read())
        print('host usr', os.path.exists('/usr/bin'), os.path.isdir('/usr/lib'))
        for attempt in (lambda: open('/usr/bin/env', 'rb'), lambda: uos.listdir('/usr/share'), lambda: uos.stat('/usr/lib')):
            try:
                attempt()
                print('reached the host')
            except OSError as e:
                print('enoent', e.args[0])
        with open('/usr/' + marker, 'w') as f:
            f.write('mine')
        with open('/bak/state.json', 'w') as f:
            f.write(ujson.dumps({'boot': 1}))
        print('bak', uos.listdir('/bak'))
        print('aliases', __import__('socket').__name__, importlib.import_module('socket').__name__,
              importlib.import_module('os').__name__, __import__('usr.settings', None, None, ['NAME']).NAME,
              importlib.import_module('usr.common.tools').add(0, 0))
        """;

    private static DeviceProject Project() => new DeviceProject()
        .File("_main.py", Main)
        .File("config.json", """{"server": "mqtt.example", "port": 1883}""")
        .File("__init__.py", "import uos\nSTARTED_IN = uos.getcwd()\n") // the usr package's own, as the DTU solution has
        .File("settings.py", "NAME = 'demo'")
        .File("helper.py", "import socket\n\ndef who():\n    return socket.__name__\n")
        .File("drivers/uart_stub.py", "KIND = 'stub'") // a folder without __init__.py, as on the device
        .File("common/__init__.py", "")
        .File("common/base.py", "BASE = 10")
        .File("common/tools.py", "from .base import BASE\n\ndef add(a, b):\n    return a + b + BASE\n");

    [Fact]
    public void A_project_starts_from_main_with_usr_imports_and_its_files_under_usr()
    {
        PythonScripts.SkipUnlessPython();
        Assert.True(Directory.Exists("/usr/bin") && Directory.Exists("/usr/lib")); // the host has them: the program must not see them
        using DeviceProject project = Project();
        string marker = $"usock-layout-marker-{Guid.NewGuid():N}.txt";
        CliProcess.Result r = PythonScripts.Run(project.Usr, marker);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(
            "config mqtt.example 1883\n" +
            "modules demo usocket stub 15 /usr\n" +
            "listdir ['out.txt'] 21\n" +
            "exists True False False True\n" +
            "cwd /usr NAME = 'demo'\n" +
            "io True b'x'\n" +
            "host usr False False\n" +
            "enoent 2\nenoent 2\nenoent 2\n" +
            "bak ['state.json']\n" +
            "aliases usocket usocket uos demo 10\n",
            r.StdOut);
        Assert.Equal("written on the device", project.Read("usr/data/kept.txt"));
        Assert.Equal("mine", project.Read($"usr/{marker}"));
        Assert.False(File.Exists($"/usr/{marker}"), "the program wrote into the host's /usr");
        Assert.Equal("""{"boot": 1}""", project.Read("bak/state.json"));
        Assert.False(Directory.Exists(Path.Combine(project.Usr, "__pycache__")), "bytecode was written into the device's /usr");
    }

    [Fact]
    public void Main_py_runs_before_main_and_any_script_in_the_folder_makes_it_usr()
    {
        using DeviceProject project = new DeviceProject()
            .File("main.py", "print('main.py')")
            .File("_main.py", "print('_main.py')")
            .File("config.json", """{"n": 7}""")
            .File("tools/report.py", "X = 'sub'")
            .File("report.py", """
                import ujson, uos
                import usr.tools.report as sub
                print(ujson.load(open('/usr/config.json'))['n'], uos.getcwd(), sub.X)
                """);
        CliProcess.Result both = PythonScripts.Run(project.Usr);
        Assert.True(both.ExitCode == 0, both.StdOut + both.StdErr);
        Assert.Equal("main.py\n", both.StdOut);
        CliProcess.Result other = PythonScripts.Run(Path.Combine(project.Usr, "report.py"));
        Assert.True(other.ExitCode == 0, other.StdOut + other.StdErr);
        Assert.Equal("7 /usr sub\n", other.StdOut);
    }

    [Fact]
    public void The_programs_logging_py_is_its_own_and_host_packages_never_shadow_the_program_or_the_device()
    {
        PythonScripts.SkipUnlessPython();
        using DeviceProject project = new DeviceProject()
            .File("main.py", """
                import logging              # the program's own logging.py
                import concurrent.futures   # the standard library imports CPython's logging
                import sys
                import hostlib              # only on the host: it fills in
                import helper               # the program's, not the host's helper.py
                import usocket, checkNet    # the device's, not the host's
                std = sys.modules['logging']
                print('program logging', logging.MINE, logging is not std)
                print('stdlib logging', hasattr(std, 'getLogger'), hasattr(std, 'MINE'))
                print('host package logging', hostlib.LOGGING_IS_CPYTHONS)
                print('helper', helper.WHO)
                print('device', usocket.__name__, hasattr(usocket.socket, 'getsocketsta'), checkNet.__name__)
                """)
            .File("logging.py", "MINE = 'yes'")
            .File("helper.py", "WHO = 'program'");
        string host = Path.Combine(project.Root, "site");
        Directory.CreateDirectory(Path.Combine(host, "hostlib"));
        File.WriteAllText(Path.Combine(host, "hostlib", "__init__.py"), "import logging\nLOGGING_IS_CPYTHONS = hasattr(logging, 'getLogger') and not hasattr(logging, 'MINE')\n");
        File.WriteAllText(Path.Combine(host, "helper.py"), "WHO = 'host'\n");
        File.WriteAllText(Path.Combine(host, "usocket.py"), "raise SystemExit('the host usocket shadowed the device')\n");
        File.WriteAllText(Path.Combine(host, "checkNet.py"), "raise SystemExit('the host checkNet shadowed the device')\n");
        CliProcess.Result r = CliProcess.RunWith(null, new Dictionary<string, string?> { ["PYTHONPATH"] = host }, ["run", project.Usr]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(
            "program logging yes True\n" +
            "stdlib logging True False\n" +
            "host package logging True\n" +
            "helper program\n" +
            "device usocket True checkNet\n",
            r.StdOut);
    }

    [Fact]
    public void Bak_option_names_the_folder_that_is_bak()
    {
        using DeviceProject project = new DeviceProject()
            .File("main.py", "import uos\nuos.mkdir('/bak/logs')\nopen('/bak/logs/a.txt', 'w').write('kept')\nprint(uos.listdir('/bak'))\n");
        string bak = Path.Combine(project.Root, "elsewhere");
        CliProcess.Result r = PythonScripts.Run("--bak", bak, project.Usr);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("['logs']\n", r.StdOut);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(bak, "logs", "a.txt")));
        Assert.False(Directory.Exists(project.Bak));
    }

    [Theory]
    [InlineData("--map-port", "80", "--map-port '80': expected PORT=HOSTPORT")]
    [InlineData("--map-port", "0=8080", "--map-port '0=8080': expected PORT=HOSTPORT")]
    [InlineData("--map-port", "80=http", "--map-port '80=http': expected PORT=HOSTPORT")]
    [InlineData("--resolve", "1.2.3.4:6666=nowhere:1", "--resolve '1.2.3.4:6666=nowhere:1': expected NAME:PORT=ADDR:PORT")]
    public void A_bad_option_is_a_usage_error_naming_it(string option, string value, string message)
    {
        using DeviceProject project = new DeviceProject().File("main.py", "print('ran')");
        CliProcess.Result r = CliProcess.Run("run", option, value, project.Usr);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
        Assert.Empty(r.StdOut);
    }

    [Fact]
    public void Run_help_lists_every_option_with_what_it_does()
    {
        CliProcess.Result r = CliProcess.Run("run", "--help");
        Assert.Equal(0, r.ExitCode);
        foreach (string option in new[] { "--resolve", "--map-port", "--bak", "--python", "--serve-example", "-c" })
        {
            Assert.Matches($"(?m)^  {System.Text.RegularExpressions.Regex.Escape(option)} +[A-Z]", r.StdOut);
        }

        Assert.Contains("DIR/_main.py", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_main_or_underscore_main_is_a_usage_error()
    {
        using DeviceProject project = new DeviceProject().File("app.py", "print('ran')");
        CliProcess.Result r = CliProcess.Run("run", project.Usr);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("without main.py or _main.py", r.StdErr, StringComparison.Ordinal);
    }
}
