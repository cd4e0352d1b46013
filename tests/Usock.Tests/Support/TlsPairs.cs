using System.Globalization;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>Helpers for the TLS tests: a wrapped pair on loopback, and proof that a thread is blocked in a receive.</summary>
public static class TlsPairs
{
    /// <summary>
    /// A TLS connection between two Usock sockets on loopback: the server wraps with <paramref name="server"/>'s
    /// identity (and <paramref name="serverCa"/>), the client with the arguments given. Both handshakes run at once.
    /// </summary>
    public static (USslSocket Client, USslSocket Server) Connect(
        TestPki.Identity? server = null,
        USslData? clientCa = null,
        string? serverHostname = "localhost",
        USslOptions? clientOptions = null,
        USslData? serverCa = null,
        TestPki.Identity? client = null,
        USslOptions? serverOptions = null)
    {
        server ??= TestPki.Shared.Server;
        Pair p = Loopback.Connected();
        p.Client.SetTimeout(Loopback.Patience);
        p.Server.SetTimeout(Loopback.Patience);
        Task<USslSocket> serverSide = Task.Run(() => USsl.WrapSocket(p.Server, ca: serverCa, key: server.KeyPem, cert: server.CertPem, serverSide: true, options: serverOptions));
        USslSocket clientSide;
        try
        {
            clientSide = USsl.WrapSocket(p.Client, ca: clientCa, key: client?.KeyPem, cert: client?.CertPem, serverHostname: serverHostname, options: clientOptions);
        }
        catch
        {
            p.Client.Close();
            p.Server.Close();
            throw;
        }

        Assert.True(serverSide.Wait(TimeSpan.FromSeconds(Loopback.Patience)), "the server's handshake did not end");
        return (clientSide, serverSide.Result);
    }

    /// <summary>The calling thread's kernel id (from /proc/thread-self, which links to PID/task/TID).</summary>
    public static int CurrentThreadId()
    {
        string target = new DirectoryInfo("/proc/thread-self").LinkTarget ?? throw new InvalidOperationException("no /proc/thread-self");
        return int.Parse(target[(target.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// True while thread <paramref name="tid"/> sleeps in the kernel in a receive or a readiness wait (x86_64 numbers:
    /// 0 read, 7 poll, 45 recvfrom, 232 epoll_wait, 271 ppoll, 281 epoll_pwait), from /proc/self/task/TID/stat (state
    /// S) and /proc/self/task/TID/syscall.
    /// </summary>
    public static bool IsWaitingInTheKernel(int tid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            char state = stat[stat.LastIndexOf(')') + 2];
            string[] call = File.ReadAllText($"/proc/self/task/{tid}/syscall").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return state == 'S' && call.Length > 1 && long.TryParse(call[0], CultureInfo.InvariantCulture, out long nr) && nr is 0 or 7 or 45 or 232 or 271 or 281;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
