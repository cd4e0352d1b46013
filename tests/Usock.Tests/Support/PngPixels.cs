using System.Buffers.Binary;
using System.IO.Compression;

namespace Usock.Tests.Support;

/// <summary>The pixels of an 8-bit RGB or RGBA PNG (what a headless Chromium's screenshot is), to check what it shows.</summary>
public sealed class PngPixels
{
    private readonly byte[] _rgb;

    private PngPixels(int width, int height, byte[] rgb) => (Width, Height, _rgb) = (width, height, rgb);

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>Reads a PNG file.</summary>
    public static PngPixels Load(string path)
    {
        byte[] png = File.ReadAllBytes(path);
        int at = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        while (at + 8 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data[4..]));
                channels = data[8] == 8 && data[9] is 2 or 6 ? (data[9] == 6 ? 4 : 3) : throw new NotSupportedException("only 8-bit RGB or RGBA PNGs");
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        int stride = width * channels;
        byte[] raw = new byte[(stride + 1) * height];
        z.ReadExactly(raw);
        byte[] rgb = new byte[width * height * 3];
        byte[] prev = new byte[stride], cur = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            Array.Copy(raw, (y * (stride + 1)) + 1, cur, 0, stride);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? cur[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
                cur[i] = (byte)(cur[i] + filter switch
                {
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => 0,
                });
            }

            for (int x = 0; x < width; x++)
            {
                Array.Copy(cur, x * channels, rgb, ((y * width) + x) * 3, 3);
            }

            (prev, cur) = (cur, prev);
        }

        return new PngPixels(width, height, rgb);
    }

    /// <summary>How many pixels have exactly this colour.</summary>
    public int Count(int r, int g, int b)
    {
        int n = 0;
        for (int i = 0; i < _rgb.Length; i += 3)
        {
            if (_rgb[i] == r && _rgb[i + 1] == g && _rgb[i + 2] == b)
            {
                n++;
            }
        }

        return n;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
