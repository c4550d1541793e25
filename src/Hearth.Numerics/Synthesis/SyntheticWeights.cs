namespace Hearth.Numerics.Synthesis;

/// <summary>
/// Deterministic pseudo-random weights: every row has its own generator state derived from (seed, tensor, row),
/// so rows can be produced in any order or in parallel and still give the same bytes.
/// </summary>
internal static class SyntheticWeights
{
    /// <summary>Standard deviation of generated weights: the usual initialization scale of transformer matrices.</summary>
    public const float StandardDeviation = 0.02f;

    // A sum of four uniform 16-bit integers has mean 131070 and standard deviation 65536/sqrt(3); the
    // sum is bell-shaped (Irwin–Hall) and bounded, which is all a speed benchmark needs.
    private const float Mean = 4 * 65535 / 2f;
    private static readonly float Scale = StandardDeviation / (65536f / MathF.Sqrt(3f));

    /// <summary>A stable per-tensor key: FNV-1a of the name mixed with the seed.</summary>
    public static ulong TensorKey(ulong seed, string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in name)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return SplitMix(h ^ SplitMix(seed));
    }

    /// <summary>Fills rows [firstRow, firstRow + rows) of a tensor with normal-ish values of std <see cref="StandardDeviation"/>.</summary>
    public static void Fill(ulong tensorKey, long firstRow, int rowLength, Span<float> destination)
    {
        int rows = destination.Length / rowLength;
        for (int r = 0; r < rows; r++)
        {
            ulong state = SplitMix(tensorKey + (0x9E3779B97F4A7C15UL * (ulong)(firstRow + r + 1)));
            if (state == 0)
            {
                state = 1;
            }

            var row = destination.Slice(r * rowLength, rowLength);
            for (int i = 0; i < row.Length; i++)
            {
                // xorshift64* (Vigna): fast, full period, good enough for weights whose values do not matter.
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                ulong bits = state * 0x2545F4914F6CDD1DUL;
                uint sum = (uint)(bits & 0xFFFF) + (uint)((bits >> 16) & 0xFFFF) + (uint)((bits >> 32) & 0xFFFF) + (uint)(bits >> 48);
                row[i] = (sum - Mean) * Scale;
            }
        }
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
