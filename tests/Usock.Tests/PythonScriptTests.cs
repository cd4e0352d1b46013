using System.Diagnostics;
using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>usock run</c>: QuecPython programs written here run through the real command, their usocket backed by Usock.
/// Each script checks itself and prints "ALL OK"; the test also checks what the peer saw where there is one.
/// </summary>
public sealed class PythonScriptTests
{
    [Fact]
    public void Every_member_in_every_timeout_mode_with_its_errno()
    {
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("members.py"));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"checks (1[0-9]{2})", r.StdOut);
    }

    [Fact]
    public void A_receive_thread_reads_while_the_main_thread_writes()
    {
        PythonScripts.SkipUnlessPython();
        using var server = new USocket();
        server.Bind(("127.0.0.1", 0));
        server.Listen(1);
        var echoed = 0;
        var echo = new Thread(() =>
        {
            (USocket conn, _, _) = server.Accept();
            using (conn)
            {
                conn.SetTimeout(30);
                byte[] buf = new byte[4096];
                int n;
                try
                {
                    while ((n = conn.RecvInto(buf)) > 0)
                    {
                        conn.SendAll(buf.AsSpan(0, n));
                        echoed += n;
                    }
                }
                catch (UsocketException e) when (e.Errno == Errno.ENOTCONN)
                {
                    // the device profile's end of stream: the script closed after its last write
                }
            }
        })
        { IsBackground = true };
        echo.Start();
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("threads.py"), CliTest.Arg(server.GetSockName().Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("echoed 20000 bytes through a receive thread", r.StdOut, StringComparison.Ordinal);
        Assert.True(echo.Join(CliProcess.Patience));
        Assert.Equal(20000, echoed); // what the peer saw: every byte, then the script's close (end of stream)
    }

    [Theory]
    [InlineData("recv", "45|47")] // recvfrom (libc path) or recvmsg (.NET's portable path)
    [InlineData("accept", "288")] // accept4
    [InlineData("poll", "232")] // epoll_wait (poll, 7, with USOCK_EPOLL=0: see WaitUntilBlocked)
    [InlineData("sleep", "202")] // futex (utime.sleep waits on an event)
    public void Ctrl_C_raises_KeyboardInterrupt_in_a_blocked_call_and_finally_runs(string mode, string syscall)
    {
        PythonScripts.SkipUnlessPython();
        using CliProcess.Running p = CliProcess.Start("run", PythonScripts.Script("interrupt.py"), mode);
        p.WaitForStdOut("blocked");
        WaitUntilBlocked(p.Id, syscall);
        var clock = Stopwatch.StartNew();
        PythonScripts.Interrupt(p.Id);
        p.WaitForStdOut("KeyboardInterrupt");
        TimeSpan took = clock.Elapsed;
        CliProcess.Result r = p.WaitForExit();
        Assert.Equal(42, r.ExitCode); // the script caught it and exited with its own code
        Assert.Equal("blocked\nfinally\nKeyboardInterrupt\n", r.StdOut);
        // Target 100 ms; the bound has slack for a loaded 2-core CI machine (the measured figure is in the output).
        Assert.True(took < TimeSpan.FromMilliseconds(1000), $"KeyboardInterrupt after {took.TotalMilliseconds:F0} ms");
        TestContext.Current.SendDiagnosticMessage($"{mode}: KeyboardInterrupt {took.TotalMilliseconds:F0} ms after SIGINT");
    }

    [Fact]
    public void A_second_Ctrl_C_exits_130_even_when_the_script_swallows_the_first()
    {
        PythonScripts.SkipUnlessPython();
        using CliProcess.Running p = CliProcess.Start("run", PythonScripts.Script("interrupt.py"), "twice");
        p.WaitForStdOut("blocked");
        WaitUntilBlocked(p.Id, "202");
        PythonScripts.Interrupt(p.Id);
        p.WaitForStdOut("ignored"); // the script caught the first KeyboardInterrupt and sleeps again
        WaitUntilBlocked(p.Id, "202");
        PythonScripts.Interrupt(p.Id);
        CliProcess.Result r = p.WaitForExit();
        Assert.Equal(130, r.ExitCode);
    }

    [Fact]
    public void The_documented_example_runs_unchanged_against_the_local_server()
    {
        string example = Path.Combine(PythonScripts.RepoRoot, "examples", "quecpython", "example.py");
        string doc = File.ReadAllText(example, Encoding.UTF8);
        Assert.Contains("usocket.getaddrinfo('www.tongxinmao.com', 80)[0][-1]", doc, StringComparison.Ordinal);
        CliProcess.Result r = PythonScripts.Run("--serve-example", example);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Matches(@"\AINFO:SOCKET:Network connection successful!\nINFO:SOCKET:send 98 bytes\nINFO:SOCKET:recv 256 bytes:\nINFO:SOCKET:HTTP/1.1 200 OK\r?\n", r.StdOut);
    }

    [Fact]
    public void Resolve_maps_a_name_and_port_and_invalid_names_fail_as_dns_failures()
    {
        PythonScripts.SkipUnlessPython();
        using var server = new USocket();
        server.Bind(("127.0.0.1", 0));
        server.Listen(1);
        int port = server.GetSockName().Port;
        CliProcess.Result r = PythonScripts.Run(
            "--resolve", $"device.example:80=127.0.0.1:{port}", "-c",
            "import usocket\n" +
            "print(usocket.getaddrinfo('device.example', 80))\n" +
            "s = usocket.socket(); s.connect(('device.example', 80)); s.send(b'hi'); s.close()\n" +
            "try:\n usocket.getaddrinfo('www.example.invalid', 80)\nexcept OSError as e:\n print('dns', e.args[0], e)\n");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains($"[(2, 1, 0, 'device.example', ('127.0.0.1', {port}))]", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("dns -202 [Errno -202]", r.StdOut, StringComparison.Ordinal);
        server.SetTimeout(10);
        (USocket conn, _, _) = server.Accept();
        using (conn)
        {
            conn.SetTimeout(10);
            Assert.Equal("hi"u8.ToArray(), conn.Read());
        }
    }

    [Fact]
    public void A_uselect_echo_server_serves_100_clients()
    {
        PythonScripts.SkipUnlessPython();
        using CliProcess.Running p = CliProcess.Start("run", PythonScripts.Script("echo_server.py"), "100");
        System.Text.RegularExpressions.Match m = p.WaitForStdErr(@"listening (\d+)");
        int port = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var clients = new List<USocket>();
        try
        {
            for (int i = 0; i < 100; i++)
            {
                var c = new USocket();
                c.SetTimeout(30);
                c.Connect(("127.0.0.1", port));
                clients.Add(c);
            }

            for (int i = 0; i < 100; i++)
            {
                clients[i].SendAll(Encoding.ASCII.GetBytes($"client {i}\n"));
            }

            for (int i = 0; i < 100; i++)
            {
                Assert.Equal($"client {i}\n", Encoding.ASCII.GetString(clients[i].Read()!));
            }
        }
        finally
        {
            clients.ForEach(c => c.Close());
        }

        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("served 100", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void An_mqtt_client_in_the_device_idiom_talks_to_a_real_mosquitto()
    {
        PythonScripts.SkipUnlessPython();
        string? mosquitto = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(mosquitto is null, "mosquitto is not installed (.ci/run installs it: apt-get install mosquitto)");
        int port = CliTest.ClosedPort();
        string conf = Path.Combine(Path.GetTempPath(), $"usock-mosquitto-{Environment.ProcessId}-{port}.conf");
        File.WriteAllText(conf, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        var psi = new ProcessStartInfo(mosquitto!, ["-c", conf]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using Process broker = Process.Start(psi)!;
        try
        {
            WaitForListener(port);
            CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("mqtt_client.py"), CliTest.Arg(port));
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Contains("state 4", r.StdOut, StringComparison.Ordinal);
            Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            broker.Kill();
            broker.WaitForExit(5000);
            File.Delete(conf);
        }
    }

    [Fact]
    public void The_script_sees_device_names_and_the_standard_library_keeps_cpythons_socket()
    {
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("stdlib.py"));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("ALL OK", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_project_folder_runs_its_main_py_with_its_modules_importable()
    {
        CliProcess.Result r = PythonScripts.Run(PythonScripts.Script("project"), "a", "--b");
        Assert.Equal(5, r.ExitCode); // sys.exit(app_config.EXIT): 5 when app_config saw usocket as socket
        Assert.Contains("project demo 3 ['a', '--b']", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_codes_SystemExit_uncaught_exception_and_no_python()
    {
        Assert.Equal(3, PythonScripts.Run("-c", "import sys; sys.exit(3)").ExitCode);
        CliProcess.Result r = PythonScripts.Run("-c", "import usocket\nusocket.socket().recv(1)");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Traceback (most recent call last):", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("OSError: [Errno 107] ENOTCONN", r.StdErr, StringComparison.Ordinal);
        CliProcess.Result none = CliProcess.Run("run", "--python", "/nonexistent/python3", "-c", "pass");
        Assert.Equal(125, none.ExitCode);
        Assert.Single(none.StdErr.Trim().Split('\n'));
        Assert.Contains("install python3", none.StdErr, StringComparison.Ordinal);
        CliProcess.Result missing = CliProcess.Run("run", "no-such-script.py");
        Assert.Equal(2, missing.ExitCode);
    }

    [Fact]
    public void No_script_starts_an_interactive_prompt()
    {
        PythonScripts.SkipUnlessPython();
        CliProcess.Result r = CliProcess.RunWith("import usocket\nprint('answer', usocket.SOCK_DGRAM + 40)\n", null, ["run"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("answer 42", r.StdOut, StringComparison.Ordinal);
    }

    internal static void WaitUntilBlocked(int pid, string syscall)
    {
        if (Environment.GetEnvironmentVariable("USOCK_EPOLL") == "0")
        {
            syscall = syscall.Replace("232", "7", StringComparison.Ordinal); // no epoll: Socket.Select waits in poll
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            (char state, string call, string wchan) = PythonScripts.MainThread(pid);
            if (state == 'S' && syscall.Split('|').Contains(call))
            {
                return;
            }

            Assert.True(clock.Elapsed < CliProcess.Patience, $"main thread never blocked in syscall {syscall} (state {state}, syscall {call}, wchan {wchan})");
            Thread.Sleep(10);
        }
    }

    private static void WaitForListener(int port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var probe = new USocket();
            try
            {
                probe.Connect(("127.0.0.1", port));
                return;
            }
            catch (UsocketException) when (clock.Elapsed < CliProcess.Patience)
            {
                Thread.Sleep(20);
            }
        }
    }
}
