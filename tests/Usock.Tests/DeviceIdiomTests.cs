using System.Diagnostics;
using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// What device programs rely on beyond the socket module, through real <c>usock run</c> processes and real peers:
/// threads left running after the main script returns, string ports, <c>--resolve</c> of literal addresses for TCP
/// and UDP, and <c>--map-port</c> for servers on privileged ports. Every check asserts what the peer received.
/// </summary>
public sealed class DeviceIdiomTests
{
    // The receive-thread shape of the DTU programs: main connects (with the port as a string, read from a config),
    // starts the thread and returns; the thread answers the server until it says bye.
    private const string ReceiveThread = """
        import sys
        import _thread
        import usocket

        def receive(sock):
            while True:
                line = sock.readline()
                if line == b'bye\n':
                    sock.write(b'bye-ack\n')
                    sock.close()
                    return
                sock.write(b'got ' + line)

        s = usocket.socket()
        s.connect(('127.0.0.1', sys.argv[1]))
        s.write(b'hello\n')
        _thread.start_new_thread(receive, (s,))
        print('main returned', flush=True)
        """;

    [Fact]
    public void A_receive_thread_left_running_after_main_returns_serves_the_peer_until_it_ends()
    {
        PythonScripts.SkipUnlessPython();
        using DeviceProject project = new DeviceProject().File("main.py", ReceiveThread);
        using USocket server = Listener();
        using CliProcess.Running p = CliProcess.Start("run", project.Usr, Port(server));
        using USocket conn = AcceptFrom(server);
        Assert.Equal("hello\n", Line(conn));
        p.WaitForStdOut("main returned\n"); // the whole line: print writes its end separately
        conn.SendAll("ping\n"u8);
        Assert.Equal("got ping\n", Line(conn)); // the thread still runs: the main script has returned
        conn.SendAll("bye\n"u8);
        Assert.Equal("bye-ack\n", Line(conn));
        CliProcess.Result r = p.WaitForExit(); // the last thread ended: so does the program
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("main returned\n", r.StdOut);
    }

    [Fact]
    public void Ctrl_C_ends_a_program_waiting_for_its_threads_with_130()
    {
        PythonScripts.SkipUnlessPython();
        using DeviceProject project = new DeviceProject().File("main.py", ReceiveThread);
        using USocket server = Listener();
        using CliProcess.Running p = CliProcess.Start("run", project.Usr, Port(server));
        using USocket conn = AcceptFrom(server);
        Assert.Equal("hello\n", Line(conn));
        p.WaitForStdOut("main returned\n"); // the whole line: print writes its end separately
        PythonScripts.Interrupt(p.Id);
        CliProcess.Result r = p.WaitForExit();
        Assert.Equal(130, r.ExitCode);
        Assert.Contains("KeyboardInterrupt", r.StdErr, StringComparison.Ordinal); // (while the program's threads ran), unless it came a moment sooner
    }

    [Fact]
    public void A_device_module_holding_the_program_keeps_it_running_after_main_returns()
    {
        // What a device module with pending work (an armed timer) does: _usock_thread.hold() until release(). The
        // work here runs on a daemon thread, which would die with the program if nothing held it.
        PythonScripts.SkipUnlessPython();
        using CliProcess.Running p = CliProcess.Start("run", "-c", """
            import sys, threading, _usock_thread
            def work():
                print('late work', sys.stdin.readline().strip(), flush=True)
                _usock_thread.release()
            _usock_thread.hold()
            threading.Thread(target=work, daemon=True).start()
            print('main returned', flush=True)
            """);
        p.WaitForStdOut("main returned\n"); // the whole line: print writes its end separately
        p.Write("after main\n");
        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("main returned\nlate work after main\n", r.StdOut);
    }

    [Fact]
    public void An_explicit_exit_ends_the_program_while_its_threads_run()
    {
        CliProcess.Result r = PythonScripts.Run("-c", """
            import _thread, sys
            lock = _thread.allocate_lock()
            lock.acquire()
            _thread.start_new_thread(lock.acquire, ())   # blocks for ever
            sys.exit(7)
            """);
        Assert.Equal(7, r.ExitCode);
    }

    [Fact]
    public void String_ports_connect_send_bind_and_resolve_and_a_bad_one_is_ValueError()
    {
        PythonScripts.SkipUnlessPython();
        using USocket server = Listener();
        using USocket udp = Datagram();
        CliProcess.Result r = PythonScripts.Run("-c", """
            import sys, usocket
            tcp, udp = sys.argv[1], sys.argv[2]
            print(usocket.getaddrinfo('127.0.0.1', tcp)[0][-1] == ('127.0.0.1', int(tcp)))
            s = usocket.socket()
            s.connect(('127.0.0.1', tcp))
            s.write(b'over tcp')
            s.close()
            d = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
            d.bind(('127.0.0.1', '0'))
            d.sendto(b'over udp', ('127.0.0.1', udp))
            for bad in ('http', '-1', '70000', ''):
                try:
                    usocket.socket().connect(('127.0.0.1', bad))
                except ValueError as e:
                    print('ValueError', e)
            """, Port(server), Port(udp));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(
            "True\n" +
            "ValueError invalid port 'http': a number 0-65535 is required\n" +
            "ValueError invalid port '-1': a number 0-65535 is required\n" +
            "ValueError port must be 0-65535\n" +
            "ValueError invalid port '': a number 0-65535 is required\n",
            r.StdOut);
        using USocket conn = AcceptFrom(server);
        Assert.Equal("over tcp", Encoding.ASCII.GetString(conn.Read()!));
        Assert.Equal("over udp", Encoding.ASCII.GetString(udp.RecvFrom(100).Bytes));
    }

    [Fact]
    public void Resolve_redirects_a_literal_address_for_tcp_connect_and_udp_sendto()
    {
        PythonScripts.SkipUnlessPython();
        using USocket server = Listener();
        using USocket udp = Datagram();

        // The literal is a loopback address nobody listens on (never a non-loopback one): were the redirect broken,
        // nothing would leave the machine and the peers here would receive nothing.
        using CliProcess.Running p = CliProcess.Start(
            "run", "--resolve", $"127.10.0.1:6666=127.0.0.1:{Port(server)}", "--resolve", $"127.10.0.1:6667=127.0.0.1:{Port(udp)}",
            "-c", """
            import usocket
            s = usocket.socket()
            s.connect(('127.10.0.1', 6666))
            s.write(b'tcp to a literal')
            d = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)
            d.settimeout(30)
            d.sendto(b'udp to a literal', ('127.10.0.1', '6667'))
            data, frm = d.recvfrom(100)
            print(data, frm, s.read(5))
            """);
        using USocket conn = AcceptFrom(server);
        Assert.Equal("tcp to a literal", Exactly(conn, 16));
        (byte[] datagram, (string Host, int Port) from) = udp.RecvFrom(100);
        Assert.Equal("udp to a literal", Encoding.ASCII.GetString(datagram));
        udp.SendTo("reply"u8, from);
        conn.SendAll("done."u8);
        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("b'reply' ('127.10.0.1', 6667) b'done.'\n", r.StdOut); // the reply reads as from the literal
    }

    [Fact]
    public void Map_port_gives_a_server_on_port_80_another_port()
    {
        PythonScripts.SkipUnlessPython();
        int hostPort = CliTest.ClosedPort();
        using CliProcess.Running p = CliProcess.Start("run", "--map-port", $"80={hostPort}", "-c", """
            import usocket
            s = usocket.socket()
            s.setsockopt(usocket.SOL_SOCKET, usocket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', 80))
            s.listen(1)
            print('bound', s.getsockname(), flush=True)
            c, ip, port = s.accept()
            c.write(b'served ' + c.recv(100))
            c.close()
            """);
        p.WaitForStdOut("bound");
        using var client = new USocket();
        client.SetTimeout(CliProcess.Patience.TotalSeconds);
        client.Connect(("127.0.0.1", hostPort));
        client.SendAll("GET /"u8);
        Assert.Equal("served GET /", Encoding.ASCII.GetString(client.Read()!));
        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal($"bound ('127.0.0.1', {hostPort})\n", r.StdOut); // getsockname: the port really bound
    }

    [Fact]
    public void Binding_a_privileged_port_without_the_privilege_names_map_port()
    {
        PythonScripts.SkipUnlessPython();
        int unprivileged = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.SkipWhen(unprivileged <= 80, $"this host lets anyone bind port 80 (ip_unprivileged_port_start {unprivileged})");
        bool root = Environment.UserName == "root";
        Assert.SkipWhen(root && !CanDropBindCapability(), "running as root without setpriv able to drop CAP_NET_BIND_SERVICE");
        ProcessStartInfo psi = CliProcess.StartInfo(["run", "-c", "import usocket\nusocket.socket().bind(('127.0.0.1', 80))\n"]);
        if (root)
        {
            // root binds port 80: run usock without the capability, as a user would
            psi.ArgumentList.Insert(0, psi.FileName);
            psi.ArgumentList.Insert(0, "--bounding-set=-net_bind_service");
            psi.ArgumentList.Insert(0, "--inh-caps=-net_bind_service");
            psi.FileName = "/usr/bin/setpriv";
        }

        psi.StandardOutputEncoding = Encoding.UTF8;
        psi.StandardErrorEncoding = Encoding.UTF8;
        psi.StandardInputEncoding = new UTF8Encoding(false);
        using var p = new CliProcess.Running(Process.Start(psi)!, "run (privileged bind)");
        CliProcess.Result r = p.WaitForExit();
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("usock: bind to port 80 needs root on the PC: usock run --map-port 80=8080 binds 8080 instead\n", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("PermissionError: [Errno 13] EACCES (port 80 needs root on the PC", r.StdErr, StringComparison.Ordinal);
    }

    private static bool CanDropBindCapability()
    {
        if (!File.Exists("/usr/bin/setpriv"))
        {
            return false;
        }

        var psi = new ProcessStartInfo("/usr/bin/setpriv", ["--inh-caps=-net_bind_service", "--bounding-set=-net_bind_service", "true"])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        };
        using Process probe = Process.Start(psi)!;
        probe.StandardError.ReadToEnd();
        return probe.WaitForExit(10_000) && probe.ExitCode == 0;
    }

    private static USocket Listener()
    {
        var server = new USocket();
        server.Bind(("127.0.0.1", 0));
        server.Listen(1);
        server.SetTimeout(CliProcess.Patience.TotalSeconds);
        return server;
    }

    private static USocket Datagram()
    {
        var udp = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP);
        udp.Bind(("127.0.0.1", 0));
        udp.SetTimeout(CliProcess.Patience.TotalSeconds);
        return udp;
    }

    private static string Port(USocket s) => CliTest.Arg(s.GetSockName().Port);

    private static USocket AcceptFrom(USocket server)
    {
        (USocket conn, _, _) = server.Accept();
        conn.SetTimeout(CliProcess.Patience.TotalSeconds);
        return conn;
    }

    private static string Exactly(USocket conn, int n)
    {
        var got = new List<byte>();
        byte[] chunk = [1];
        while (got.Count < n && chunk.Length > 0)
        {
            chunk = conn.Recv(n - got.Count);
            got.AddRange(chunk);
        }

        return Encoding.ASCII.GetString([.. got]);
    }

    private static string Line(USocket conn) => Encoding.ASCII.GetString(conn.ReadLine()!);
}
