using System.Globalization;
using System.Text;

namespace Usock.Cli;

/// <summary>
/// socat's <c>-x</c> dump: one header per chunk, <c>&gt;</c> for sent and <c>&lt;</c> for received, with the local
/// time, the length and the chunk's place in that direction's byte stream; then lines of offset (in the chunk),
/// 16 hex bytes, and the same bytes as ASCII (<c>.</c> for anything not printable).
/// </summary>
/// <example>
/// <code>
/// &gt; 2026/11/24 10:00:00.123456  length=14 from=0 to=13
/// 0000  48 65 6c 6c 6f 2c 20 75 73 6f 63 6b 21 0a        Hello, usock!.
/// </code>
/// </example>
internal static class HexDump
{
    /// <summary>Bytes per dump line.</summary>
    public const int Width = 16;

    /// <summary>The header line: <c>&gt; 2026/11/24 10:00:00.123456  length=16 from=0 to=15</c>.</summary>
    /// <param name="sent">True for data sent (<c>&gt;</c>), false for data received (<c>&lt;</c>).</param>
    /// <param name="time">When the chunk moved (local time).</param>
    /// <param name="length">The chunk's length.</param>
    /// <param name="from">Bytes that moved in this direction before the chunk.</param>
    public static string Header(bool sent, DateTime time, int length, long from) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(sent ? '>' : '<')} {time:yyyy'/'MM'/'dd HH':'mm':'ss'.'ffffff}  length={length} from={from} to={from + length - 1}");

    /// <summary>The dump lines of a chunk, each ending in <c>\n</c>.</summary>
    public static string Lines(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder((data.Length / Width + 1) * 74);
        for (int offset = 0; offset < data.Length; offset += Width)
        {
            ReadOnlySpan<byte> line = data.Slice(offset, Math.Min(Width, data.Length - offset));
            sb.Append(offset.ToString("x4", CultureInfo.InvariantCulture)).Append("  ");
            for (int i = 0; i < Width; i++)
            {
                if (i < line.Length)
                {
                    sb.Append(line[i].ToString("x2", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append("  ");
                }

                sb.Append(i == Width - 1 ? "  " : " ");
            }

            foreach (byte b in line)
            {
                sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
