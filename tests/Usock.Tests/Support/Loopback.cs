using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Usock.Tests.Support;

/// <summary>How a test sets the socket's timeout: the three modes of the module.</summary>
public enum Mode
{
    Blocking,
    Timeout,
    NonBlocking,
}

/// <summary>Loopback helpers: connected pairs, listeners on port 0, test data for families and modes.</summary>
public static class Loopback
{
    /// <summary>A generous timeout for "must not hang" waits in tests.</summary>
    public const double Patience = 10.0;

    public static TheoryData<int> Families => new() { USocket.AF_INET, USocket.AF_INET6 };

    public static TheoryData<Mode> Modes => new() { Mode.Blocking, Mode.Timeout, Mode.NonBlocking };

    public static TheoryData<int, Mode> FamiliesAndModes
    {
        get
        {
            var data = new TheoryData<int, Mode>();
            foreach (int af in new[] { USocket.AF_INET, USocket.AF_INET6 })
            {
                foreach (Mode m in Enum.GetValues<Mode>())
                {
                    data.Add(af, m);
                }
            }

            return data;
        }
    }

    public static TheoryData<UsocketProfile> Profiles => new() { UsocketProfile.QuecPython, UsocketProfile.Posix };

    public static string Host(int af) => af == USocket.AF_INET ? "127.0.0.1" : "::1";

    /// <summary>A listening Usock socket on the loopback address of <paramref name="af"/>, port picked by the system.</summary>
    public static USocket Listener(int af = USocket.AF_INET, UsocketProfile profile = UsocketProfile.QuecPython, int backlog = 16)
    {
        var l = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP_SER, profile);
        l.Bind((Host(af), 0));
        l.Listen(backlog);
        return l;
    }

    public static (string Host, int Port) Address(USocket listener) => listener.GetSockName();

    /// <summary>A connected pair of Usock sockets: (client, server side of the connection).</summary>
    public static Pair Connected(int af = USocket.AF_INET, UsocketProfile profile = UsocketProfile.QuecPython)
    {
        using USocket l = Listener(af, profile);
        var client = new USocket(af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile);
        client.Connect(Address(l));
        (USocket server, _, _) = l.Accept();
        return new Pair(client, server);
    }

    /// <summary>Applies a mode; Timeout mode uses <paramref name="seconds"/>.</summary>
    public static void Apply(USocket s, Mode mode, double seconds = 0.3)
    {
        switch (mode)
        {
            case Mode.Blocking:
                s.SetBlocking(true);
                break;
            case Mode.Timeout:
                s.SetTimeout(seconds);
                break;
            default:
                s.SetBlocking(false);
                break;
        }
    }

    /// <summary>The errno a call that would wait raises in this mode (blocking mode has none: the test must not wait).</summary>
    public static int WouldWaitErrno(Mode mode) => mode == Mode.NonBlocking ? Errno.EAGAIN : Errno.ETIMEDOUT;

    /// <summary>Polls until <paramref name="condition"/> holds or the patience runs out.</summary>
    public static bool Eventually(Func<bool> condition, double seconds = Patience)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(5);
        }

        return condition();
    }

    /// <summary>Asserts that <paramref name="action"/> raises a <see cref="UsocketException"/> with <paramref name="errno"/>.</summary>
    public static UsocketException Raises(int errno, Action action)
    {
        var e = Assert.Throws<UsocketException>(action);
        Assert.Equal(errno, e.Errno);
        return e;
    }

    /// <summary>A raw .NET socket accepted from a Usock listener's address, for peers that need options Usock lacks.</summary>
    public static Socket RawClient((string Host, int Port) address)
    {
        var ip = IPAddress.Parse(address.Host);
        var s = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(new IPEndPoint(ip, address.Port));
        return s;
    }
}

/// <summary>Two connected sockets, disposed together.</summary>
public sealed class Pair(USocket client, USocket server) : IDisposable
{
    public USocket Client { get; } = client;

    public USocket Server { get; } = server;

    public void Dispose()
    {
        Client.Close();
        Server.Close();
    }
}
