using Microsoft.Extensions.Logging;

namespace Usock.Tests;

// The sockets of one case (Ctx) and the logger that collects the library's warnings.
public partial class BadInputTests
{
    /// <summary>The sockets of one case, closed together (also when the call hangs).</summary>
    private sealed class Ctx : IDisposable
    {
        private readonly List<USocket> _owned = [];
        private readonly Dictionary<string, Stream> _files = [];
        private readonly USocket? _s;
        private readonly USocket? _peer;

        public Ctx(On on, UsocketProfile profile)
        {
            On = on;
            Profile = profile;
            Af = on is On.Tcp6 or On.Udp6 or On.Connected6 ? USocket.AF_INET6 : USocket.AF_INET;
            switch (on)
            {
                case On.None:
                    break;
                case On.Tcp4 or On.Tcp6 or On.Closed:
                    _s = Own(new USocket(Af, USocket.SOCK_STREAM, USocket.IPPROTO_TCP, profile));
                    break;
                case On.Udp4 or On.Udp6 or On.ClosedUdp:
                    _s = Own(new USocket(Af, USocket.SOCK_DGRAM, USocket.IPPROTO_UDP, profile));
                    break;
                case On.Connected4 or On.Connected6 or On.ClosedConnected:
                    Pair p = Loopback.Connected(Af, profile);
                    _s = Own(p.Client);
                    _peer = Own(p.Server);
                    break;
                case On.Listening4:
                    _s = Own(Loopback.Listener(Af, profile));
                    break;
            }

            if (on == On.ClosedUdp)
            {
                _s!.Bind(Loop());
            }

            if (on is On.Closed or On.ClosedConnected or On.ClosedUdp)
            {
                _s!.Close();
            }

            if (_s is not null)
            {
                _s.Logger = new ListLogger(Warnings);
            }
        }

        public On On { get; }

        public UsocketProfile Profile { get; }

        public int Af { get; }

        public USocket S => _s ?? throw new InvalidOperationException("this case has no socket");

        public USocket Peer => _peer ?? throw new InvalidOperationException("this case has no peer");

        public List<string> Warnings { get; } = [];

        /// <summary>A value a case keeps for its after-check.</summary>
        public (string Host, int Port) Mark { get; set; }

        public (string Host, int Port) Loop(int port = 0) => (Loopback.Host(Af), port);

        public USocket Own(USocket s)
        {
            lock (_owned)
            {
                _owned.Add(s);
            }

            return s;
        }

        public USocket[] Sockets()
        {
            lock (_owned)
            {
                return [.. _owned];
            }
        }

        public USocket NewListener() => Own(Loopback.Listener(Af, Profile));

        /// <summary>An address where a socket is bound but nobody listens: connecting there is refused.</summary>
        public (string Host, int Port) BoundNotListening()
        {
            USocket holder = Own(new USocket(Af));
            holder.Bind(Loop());
            return holder.GetSockName();
        }

        public Stream File(string mode)
        {
            lock (_files)
            {
                if (!_files.TryGetValue(mode, out Stream? f))
                {
                    f = S.MakeFile(mode);
                    _files[mode] = f;
                }

                return f;
            }
        }

        public void CloseAll()
        {
            foreach (USocket s in Sockets())
            {
                s.Close();
            }
        }

        public void Dispose()
        {
            lock (_files)
            {
                foreach (Stream f in _files.Values)
                {
                    f.Dispose();
                }
            }

            CloseAll();
        }
    }

    private sealed class ListLogger(List<string> warnings) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                lock (warnings)
                {
                    warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
