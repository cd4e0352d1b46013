#:project ../../../src/Usock/Usock.csproj
// The same calls as percall.py, from C#: the baseline for the per-call overhead of usock run.
using System.Diagnostics;
using Usock;

const int N = 200000;
using var srv = new USocket();
srv.Bind(("127.0.0.1", 0));
srv.Listen(1);
using var a = new USocket();
a.Connect(srv.GetSockName());
using USocket b = srv.Accept().Conn;
using var u = new USocket(USocket.AF_INET, USocket.SOCK_DGRAM);
u.Bind(("127.0.0.1", 0));
var dst = u.GetSockName();
byte[] msg = new byte[64];
byte[] buf = new byte[64];

Bench("getsocketsta()", () => a.GetSocketSta());
Bench("send(64 B) + recv(64)", () => { a.Send(msg); b.Recv(64); });
Bench("send(64 B) + readinto(buf)", () => { a.Send(msg); b.ReadInto(buf); });
Bench("sendto(64 B) (udp)", () => u.SendTo(msg, dst));

static void Bench(string name, Action fn)
{
    for (int i = 0; i < 2000; i++)
    {
        fn();
    }

    var sw = Stopwatch.StartNew();
    for (int i = 0; i < N; i++)
    {
        fn();
    }

    Console.WriteLine($"{name,-34} {sw.Elapsed.TotalMicroseconds / N:F2} us");
}
