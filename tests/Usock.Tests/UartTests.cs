using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>machine.UART</c> wired with <c>--uart 2=tcp:HOST:PORT</c>: a DTU program forwards bytes between its UART and a
/// server; the test is both the device on the UART (the wire's TCP port) and the server.
/// </summary>
public sealed class UartTests
{
    [Fact]
    public void A_dtu_forwards_uart_bytes_to_the_server_and_server_bytes_to_the_uart()
    {
        PythonScripts.SkipUnlessPython();
        using var wire = new TcpPeer();
        using var server = new TcpPeer();
        using CliProcess.Running p = CliProcess.Start("run", "--uart", $"2=tcp:127.0.0.1:{wire.Port}",
            PythonScripts.Script("device/uart_dtu.py"), CliTest.Arg(server.Port));
        _ = wire.Conn;
        _ = server.Conn;
        p.WaitForStdOut("forwarding");
        wire.Send("AT+DATA=hello\r\n");
        Assert.Equal("AT+DATA=hello\r\n", server.ReadExactly(15)); // UART -> network
        server.Send("cloud says hi");
        Assert.Equal("cloud says hi", wire.ReadExactly(13)); // network -> UART
        server.Close();
        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("forwarding\nforwarded 15 bytes up, 13 down\n", r.StdOut);
    }

    [Fact]
    public void A_uart_wired_to_stdio_reads_stdin_and_writes_stdout()
    {
        PythonScripts.SkipUnlessPython();
        const string Code = """
            import machine, queue
            got = queue.Queue()
            u = machine.UART(machine.UART.UART2, 115200, 8, 0, 1, 0)
            u.set_callback(lambda args: got.put(args))
            args = got.get()
            assert args[0] == 0 and args[1] == 2, args
            data = u.read(100)
            assert u.write(b'echo:' + data) == 5 + len(data)
            """;
        CliProcess.Result r = CliProcess.RunWith("ping", null, "run", "--uart", "2=stdio", "-c", Code);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("echo:ping", r.StdOut);
    }

    [Fact]
    public async Task A_uart_wired_to_a_pty_echoes_what_a_terminal_program_writes()
    {
        PythonScripts.SkipUnlessPython();
        const string Code = """
            import machine, queue
            got = queue.Queue()
            u = machine.UART(machine.UART.UART2, 115200, 8, 0, 1, 0)
            u.set_callback(lambda args: got.put(args))
            print('ready', flush=True)
            data = b''
            while len(data) < 4:
                got.get()
                data += u.read(100)
            u.write(b'echo:' + data)
            got.get()
            """;
        using CliProcess.Running p = CliProcess.Start("run", "--uart", "2=pty", "-c", Code);
        string pty = p.WaitForStdErr(@"^usock: UART2 is (/dev/pts/\d+)$").Groups[1].Value;
        p.WaitForStdOut("ready");
        using var terminal = new FileStream(pty, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        terminal.Write("ping"u8);
        terminal.Flush();
        byte[] echo = new byte[9];
        CancellationToken token = TestContext.Current.CancellationToken;
        await terminal.ReadExactlyAsync(echo, token).AsTask().WaitAsync(CliProcess.Patience, token);
        Assert.Equal("echo:ping", System.Text.Encoding.ASCII.GetString(echo));
        terminal.Write("!"u8); // the program's last wait: then it ends
        terminal.Flush();
        CliProcess.Result r = p.WaitForExit();
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
    }

    [Fact]
    public void An_unwired_uart_drops_writes_and_a_refused_wire_is_an_OSError_naming_it()
    {
        PythonScripts.SkipUnlessPython();
        const string Code = """
            import sys, machine
            u = machine.UART(machine.UART.UART1, 9600, 8, 0, 1, 0)
            assert u.write('AT\r\n') == 4 and u.any() == 0 and u.read(10) == b''
            for bad in (('1', 9600, 8, 0, 1, 0), (1, 9600, 9, 0, 1, 0), (7, 9600, 8, 0, 1, 0)):
                try:
                    machine.UART(*bad)
                    raise AssertionError(bad)
                except (TypeError, ValueError):
                    pass
            try:
                machine.UART(machine.UART.UART2, 115200, 8, 0, 1, 0)
            except OSError as e:
                print(e.args[1])
            """;
        int closed = CliTest.ClosedPort();
        CliProcess.Result r = PythonScripts.Run("--uart", $"2=tcp:127.0.0.1:{closed}", "-c", Code);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.StartsWith($"UART2 wired to tcp:127.0.0.1:{closed}: ", r.StdOut, StringComparison.Ordinal);
    }
}
