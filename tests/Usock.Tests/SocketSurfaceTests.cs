using System.Text;
using Usock.Tests.Support;
using Xunit;

namespace Usock.Tests;

/// <summary>The byte[] and string overloads, written once for the plain and the TLS socket (Surface): the same
/// UTF-8 bytes and counts, the same guard order (9 EBADF once closed, before the argument check), on both.</summary>
public sealed class SocketSurfaceTests
{
    // Two-, three- and four-byte UTF-8 sequences: a count in chars would be wrong.
    private const string Text = "h\u00e9llo \u20ac \U0001F600\n";

    public static TheoryData<bool> Kinds => new() { false, true };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void StringOverloads_SendUtf8_AndCountBytes(bool tls)
    {
        using Ends e = Ends.Open(tls);
        int bytes = Encoding.UTF8.GetByteCount(Text);
        Assert.Equal(bytes, e.Send(Text));
        e.SendAll(Text);
        Assert.Equal(bytes, e.Write(Text));
        Assert.Equal(bytes, e.Send(Encoding.UTF8.GetBytes(Text)));
        byte[] expected = Encoding.UTF8.GetBytes(Text + Text + Text + Text);
        byte[] got = new byte[expected.Length];
        Assert.Equal(expected.Length, e.ReadInto(got));
        Assert.Equal(expected, got);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NullArguments_AreArgumentNullException_ButAClosedSocketIs9First(bool tls)
    {
        using Ends e = Ends.Open(tls);
        Assert.Throws<ArgumentNullException>(() => e.Send((string)null!));
        Assert.Throws<ArgumentNullException>(() => e.SendAll((byte[])null!));
        Assert.Throws<ArgumentNullException>(() => e.Write((string)null!));
        Assert.Throws<ArgumentNullException>(() => e.ReadInto(null!));
        e.CloseClient();
        Assert.Equal(Errno.EBADF, Assert.Throws<UsocketException>(() => e.Send((string)null!)).Errno);
        Assert.Equal(Errno.EBADF, Assert.Throws<UsocketException>(() => e.SendAll((byte[])null!)).Errno);
        Assert.Equal(Errno.EBADF, Assert.Throws<UsocketException>(() => e.Write((string)null!)).Errno);
        Assert.Equal(Errno.EBADF, Assert.Throws<UsocketException>(() => e.ReadInto(null!)).Errno);
    }

    // The two ends of a connection, plain or TLS, seen through the public members' overloads.
    private sealed class Ends : IDisposable
    {
        private readonly USocket? _plainClient;
        private readonly USocket? _plainServer;
        private readonly USslSocket? _tlsClient;
        private readonly USslSocket? _tlsServer;

        private Ends(Pair? plain, (USslSocket Client, USslSocket Server)? tls)
        {
            _plainClient = plain?.Client;
            _plainServer = plain?.Server;
            _tlsClient = tls?.Client;
            _tlsServer = tls?.Server;
        }

        public static Ends Open(bool tls) => tls ? new Ends(null, TlsPairs.Connect()) : new Ends(Loopback.Connected(), null);

        public int Send(string s) => _tlsClient?.Send(s) ?? _plainClient!.Send(s);

        public int Send(byte[] b) => _tlsClient?.Send(b) ?? _plainClient!.Send(b);

        public void SendAll(string s)
        {
            if (_tlsClient is not null)
            {
                _tlsClient.SendAll(s);
            }
            else
            {
                _plainClient!.SendAll(s);
            }
        }

        public void SendAll(byte[] b)
        {
            if (_tlsClient is not null)
            {
                _tlsClient.SendAll(b);
            }
            else
            {
                _plainClient!.SendAll(b);
            }
        }

        public int? Write(string s) => _tlsClient is not null ? _tlsClient.Write(s) : _plainClient!.Write(s);

        // Reads on the client (the argument checks) or, for data, on the server.
        public int? ReadInto(byte[] b) => b is null
            ? (_tlsClient is not null ? _tlsClient.ReadInto(b!) : _plainClient!.ReadInto(b!))
            : (_tlsServer is not null ? _tlsServer.ReadInto(b) : _plainServer!.ReadInto(b));

        public void CloseClient()
        {
            _tlsClient?.Close();
            _plainClient?.Close();
        }

        public void Dispose()
        {
            _tlsClient?.Close();
            _tlsServer?.Close();
            _plainClient?.Close();
            _plainServer?.Close();
        }
    }
}
