using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>
/// <c>usock run --network</c> and the program's UDP: <c>send</c> on a connected datagram socket and <c>sendto</c> meet
/// the scenario both ways; what arrives for the program while the data call is down is lost, not delivered later;
/// latency delays datagrams; <c>recvfrom</c> and <c>getpeername</c> still report the real peer. Asserted on what the
/// peer received, what the program received, and the timeline.
/// </summary>
public sealed class DeviceLifeUdpTests
{
    [Fact]
    public void A_connected_datagram_socket_meets_latency_and_a_lost_data_call_both_ways_and_recvfrom_reports_the_peer()
    {
        using var peer = new LaterPeer(IPAddress.Loopback);
        string timeline = Path.GetTempFileName();
        try
        {
            CliProcess.Result r = PythonScripts.Run(
                "--attach-ms", "200", "--network", PythonScripts.Script("network/udp_life.txt"), "--timeline", timeline,
                PythonScripts.Script("network/udp_life.py"), CliTest.Arg(peer.Port));
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("echo b'ping' True\nlost 6\nrecv 110\nback b'after' True True\n", r.StdOut);
            Assert.Equal(["ping", "later 3000", "after"], peer.Received); // 'during' was lost on the way up
            Assert.True(peer.LateSent, "the peer answered 'later' while the data call was down");

            List<JsonElement> lines = CliTest.JsonLines(File.ReadAllText(timeline));
            JsonElement lost = lines.Single(l => l.GetProperty("event").GetString() == "lost");
            Assert.Equal(6, lost.GetProperty("bytes").GetInt64());
            Assert.Equal("a datagram: no data call", lost.GetProperty("detail").GetString());
            JsonElement dropped = lines.Single(l => l.GetProperty("event").GetString() == "dropped");
            Assert.Equal(4, dropped.GetProperty("bytes").GetInt64()); // 'late', never delivered after the data call came back
            Assert.Equal("a datagram for the program: no data call", dropped.GetProperty("detail").GetString());
            Assert.Equal("seed 0, on setCallback", lines[0].GetProperty("detail").GetString());
            Assert.Contains(", 6 B sent that peers never received", r.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(timeline);
        }
    }

    [Fact]
    public void An_IPv6_datagram_socket_is_relayed_and_recvfrom_reports_the_peer_on_loopback()
    {
        using var peer = new LaterPeer(IPAddress.IPv6Loopback);
        CliProcess.Result r = PythonScripts.Run("--network", PythonScripts.Script("network/udp_v6.txt"), PythonScripts.Script("network/udp_v6.py"), CliTest.Arg(peer.Port));
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("b'six' ::1 True True\n", r.StdOut);
        Assert.Equal(["six"], peer.Received);
    }

    [Fact]
    public void A_relayed_datagram_socket_s_stream_methods_raise_95_naming_the_calls_that_are_relayed_instead_of_handing_over_the_relay_s_header()
    {
        using var peer = new LaterPeer(IPAddress.Loopback);
        string code = string.Join('\n',
            "import usocket, sys",
            "u = usocket.socket(usocket.AF_INET, usocket.SOCK_DGRAM)",
            "u.settimeout(5)",
            $"u.connect(('127.0.0.1', {peer.Port}))",
            "u.send(b'six')",
            "for name, call in (('readinto', lambda: u.readinto(bytearray(8))), ('read', lambda: u.read(8)), ('readline', u.readline), ('write', lambda: u.write(b'x')), ('sendall', lambda: u.sendall(b'x'))):",
            "    try:",
            "        call()",
            "        print(name, 'no error')",
            "    except OSError as e:",
            "        print(name, e.args[0])",
            "print(u.recv(100))");
        CliProcess.Result r = PythonScripts.Run("--network", PythonScripts.Script("network/udp_v6.txt"), "-c", code);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("readinto 95\nread 95\nreadline 95\nwrite 95\nsendall 95\nb'six'\n", r.StdOut);
        Assert.Contains("usock: --network: a datagram socket's readinto() is not relayed (OSError 95): use send/sendto/recv/recvfrom", r.StdErr, StringComparison.Ordinal);
        Assert.Equal(["six"], peer.Received); // nothing of the refused calls reached the peer
    }

    [Fact]
    public void Datagram_loss_is_drawn_from_the_seed_the_same_seed_loses_the_same_datagrams()
    {
        string[] Run(string seed)
        {
            using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            CliProcess.Result r = PythonScripts.Run(
                "--network", PythonScripts.Script("network/udp_loss.txt"), "--seed", seed, PythonScripts.Script("network/udp_loss.py"),
                CliTest.Arg(((IPEndPoint)receiver.LocalEndPoint!).Port));
            Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            Assert.Equal("sent 40\n", r.StdOut);
            var got = new List<string>();
            byte[] buf = new byte[100];
            while (receiver.Available > 0) // with no latency, a datagram is on its way before sendto returns
            {
                got.Add(Encoding.ASCII.GetString(buf, 0, receiver.Receive(buf)));
            }

            Assert.Contains($", {LostBytes(got)} B sent that peers never received", r.StdErr, StringComparison.Ordinal);
            return [.. got];
        }

        string[] first = Run("9");
        Assert.InRange(first.Length, 5, 35); // some lost, some not
        Assert.Equal(first, Run("9"));
        Assert.NotEqual(first, Run("10"));
    }

    // The bytes of the datagrams "0".."39" that did not arrive.
    private static long LostBytes(List<string> got) =>
        Enumerable.Range(0, 40).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Where(d => !got.Contains(d)).Sum(d => (long)d.Length);

    // A UDP peer on loopback: echoes each datagram, and answers 'later MS' with 'late' after MS milliseconds.
    private sealed class LaterPeer : IDisposable
    {
        private readonly Socket _socket;
        private readonly List<string> _received = [];
        private readonly Thread _thread;
        private int _lateSent;

        public LaterPeer(IPAddress loopback)
        {
            _socket = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(new IPEndPoint(loopback, 0));
            _thread = new Thread(Run) { IsBackground = true };
            _thread.Start();
        }

        public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

        public bool LateSent => Volatile.Read(ref _lateSent) == 1;

        public string[] Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void Dispose() => _socket.Dispose();

        private void Run()
        {
            byte[] buf = new byte[2048];
            try
            {
                while (true)
                {
                    EndPoint from = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                    int n = _socket.ReceiveFrom(buf, ref from);
                    string text = Encoding.ASCII.GetString(buf, 0, n);
                    lock (_received)
                    {
                        _received.Add(text);
                    }

                    if (text.StartsWith("later ", StringComparison.Ordinal))
                    {
                        int ms = int.Parse(text[6..], System.Globalization.CultureInfo.InvariantCulture);
                        _ = Task.Delay(ms).ContinueWith(
                            _ =>
                            {
                                _socket.SendTo("late"u8.ToArray(), from);
                                Volatile.Write(ref _lateSent, 1);
                            },
                            CancellationToken.None,
                            TaskContinuationOptions.None,
                            TaskScheduler.Default);
                        continue;
                    }

                    _socket.SendTo(buf.AsSpan(0, n), SocketFlags.None, from);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // closed at the end of the test
            }
        }
    }
}
