namespace Usock.Chaos;

/// <summary>Deterministic draws from the proxy's seed: the same seed, connection and fault give the same answer in every run.</summary>
internal static class Seeded
{
    /// <summary>A number in [0, 1) that depends only on its inputs (SplitMix64 over them).</summary>
    public static double Draw(long seed, long a, long b, long c = 0)
    {
        ulong x = Mix((ulong)seed ^ Mix((ulong)a + 0x9E3779B97F4A7C15UL) ^ Mix((ulong)b * 31 + 7) ^ Mix((ulong)c * 131 + 13));
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
