namespace Hearth.Numerics.Quantization;

/// <summary>Bit packing shared by the 2- and 3-bit k-quants.</summary>
internal static class KQuantPacking
{
    /// <summary>256 two-bit values into 64 bytes: per 128 values, byte l holds values l, l+32, l+64, l+96 from bit 0 up.</summary>
    public static void Pack2Bit(ReadOnlySpan<byte> levels, Span<byte> qs)
    {
        for (int j = 0; j < 256; j += 128)
        {
            for (int l = 0; l < 32; ++l)
            {
                qs[(j / 4) + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 2) | (levels[j + l + 64] << 4) | (levels[j + l + 96] << 6));
            }
        }
    }
}
