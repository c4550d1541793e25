namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q2_K: super-blocks of 256 weights, 84 bytes = 16 bytes of 4-bit scale | 4-bit min (one per 16 weights),
/// 64 bytes of 2-bit quants (per 128 weights: 32 bytes, byte l holds weights l, l+32, l+64, l+96 from bit 0 up),
/// f16 d, f16 dmin; weight = d·sc·q − dmin·m. Follows ggml's quantize_row_q2_K_ref.
/// </summary>
internal static class Q2_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 84;

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        Span<byte> levels = stackalloc byte[BlockSize];
        Span<byte> aux = stackalloc byte[16];
        Span<float> weights = stackalloc float[16];
        Span<float> mins = stackalloc float[16];
        Span<float> scales = stackalloc float[16];
        const float Q4Scale = 15f;

        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var y = dst.Slice(b * BlockBytes, BlockBytes);
            var sc = y[..16];
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 16; ++j)
            {
                var xs = x.Slice(16 * j, 16);
                for (int l = 0; l < 16; ++l)
                {
                    weights[l] = MathF.Abs(xs[l]);
                }

                scales[j] = QuantMath.MakeQkx2Quants(16, 3, xs, weights, levels.Slice(16 * j, 16), out mins[j], aux, -0.5f, 0.1f, 15, true);
                if (scales[j] > maxScale)
                {
                    maxScale = scales[j];
                }

                if (mins[j] > maxMin)
                {
                    maxMin = mins[j];
                }
            }

            if (maxScale > 0)
            {
                float iscale = Q4Scale / maxScale;
                for (int j = 0; j < 16; ++j)
                {
                    sc[j] = (byte)QuantMath.NearestInt(iscale * scales[j]);
                }

                QuantMath.WriteHalf(y[80..], maxScale / Q4Scale);
            }
            else
            {
                sc.Clear();
                QuantMath.WriteHalf(y[80..], 0f);
            }

            if (maxMin > 0)
            {
                float iscale = Q4Scale / maxMin;
                for (int j = 0; j < 16; ++j)
                {
                    sc[j] |= (byte)(QuantMath.NearestInt(iscale * mins[j]) << 4);
                }

                QuantMath.WriteHalf(y[82..], maxMin / Q4Scale);
            }
            else
            {
                QuantMath.WriteHalf(y[82..], 0f);
            }

            float dAll = maxScale > 0 ? QuantMath.RoundTripHalf(maxScale / Q4Scale) : 0f;
            float mAll = maxMin > 0 ? QuantMath.RoundTripHalf(maxMin / Q4Scale) : 0f;
            for (int j = 0; j < 16; ++j)
            {
                float d = dAll * (sc[j] & 0xF);
                if (d == 0)
                {
                    continue;
                }

                float dm = mAll * (sc[j] >> 4);
                for (int ii = 0; ii < 16; ++ii)
                {
                    int l = QuantMath.NearestInt((x[16 * j + ii] + dm) / d);
                    levels[16 * j + ii] = (byte)Math.Max(0, Math.Min(3, l));
                }
            }

            KQuantPacking.Pack2Bit(levels, y.Slice(16, 64));
        }
    }
}
