namespace Usock.Cli;

/// <summary><c>--crlf</c>: turns each <c>\n</c> not already preceded by <c>\r</c> into <c>\r\n</c>, across chunk boundaries.</summary>
internal sealed class LineEndings
{
    private bool _lastWasCr;

    /// <summary>The chunk with its line ends converted (the same memory when there is nothing to convert).</summary>
    public ReadOnlyMemory<byte> Convert(ReadOnlyMemory<byte> chunk)
    {
        ReadOnlySpan<byte> data = chunk.Span;
        int bare = 0;
        bool prevCr = _lastWasCr;
        foreach (byte b in data)
        {
            if (b == '\n' && !prevCr)
            {
                bare++;
            }

            prevCr = b == '\r';
        }

        if (bare == 0)
        {
            _lastWasCr = prevCr;
            return chunk;
        }

        var result = new byte[data.Length + bare];
        int j = 0;
        prevCr = _lastWasCr;
        foreach (byte b in data)
        {
            if (b == '\n' && !prevCr)
            {
                result[j++] = (byte)'\r';
            }

            result[j++] = b;
            prevCr = b == '\r';
        }

        _lastWasCr = prevCr;
        return result;
    }
}
