using System.Text;

namespace Usock.Tests;

// One end of the pair, as the model sees it.
internal sealed partial class PairModel
{
    /// <summary>One end: its socket, its streams, and the model's view of what it can read.</summary>
    private sealed class End(string name, USocket sock) : IDisposable
    {
        private readonly List<int> _segments = [];
        private Stream? _readFile;
        private Stream? _writeFile;

        public string Name { get; } = name;

        public USocket Sock { get; } = sock;

        public Stream ReadFile => _readFile ??= Sock.MakeFile("rb");

        public Stream WriteFile => _writeFile ??= Sock.MakeFile("wb");

        /// <summary>Bytes sent to this end that no read has returned yet (in its kernel or its read buffer).</summary>
        public List<byte> InFlight { get; } = [];

        public int Segments => _segments.Count;

        /// <summary>Every byte ever sent to this end.</summary>
        public long Delivered { get; private set; }

        /// <summary>The peer sent FIN: end of stream once <see cref="InFlight"/> is empty.</summary>
        public bool FinIn { get; set; }

        public bool ShutWr { get; set; }

        public bool Closed { get; set; }

        /// <summary>Device profile: Recv has raised its one 107 for end of stream.</summary>
        public bool EofReported { get; set; }

        public Mode Mode { get; set; } = Mode.Blocking;

        public void Deliver(ReadOnlySpan<byte> bytes)
        {
            InFlight.AddRange(bytes);
            _segments.Add(bytes.Length);
            Delivered += bytes.Length;
        }

        /// <summary>A read returned <paramref name="got"/>: it must be the front of the queue, which it leaves.</summary>
        public void Take(byte[] got)
        {
            Assert.True(got.Length <= InFlight.Count, $"{Name} read {got.Length} bytes, only {InFlight.Count} in flight");
            if (!InFlight.Take(got.Length).SequenceEqual(got))
            {
                Assert.Fail($"{Name} read bytes out of order or altered: got {Convert.ToHexString(got)}, expected {Convert.ToHexString(InFlight.Take(got.Length).ToArray())}");
            }

            InFlight.RemoveRange(0, got.Length);
            int left = got.Length;
            while (left > 0)
            {
                int first = Math.Min(left, _segments[0]);
                left -= first;
                _segments[0] -= first;
                if (_segments[0] == 0)
                {
                    _segments.RemoveAt(0);
                }
            }
        }

        public void Dispose()
        {
            _readFile?.Dispose();
            _writeFile?.Dispose();
        }

        public override string ToString()
        {
            var b = new StringBuilder(Name).Append(": ").Append(Mode).Append(", ").Append(InFlight.Count).Append(" in flight");
            if (FinIn)
            {
                b.Append(", FIN in");
            }

            if (ShutWr)
            {
                b.Append(", SHUT_WR");
            }

            if (Closed)
            {
                b.Append(", closed");
            }

            if (EofReported)
            {
                b.Append(", 107 reported");
            }

            return b.ToString();
        }
    }
}
