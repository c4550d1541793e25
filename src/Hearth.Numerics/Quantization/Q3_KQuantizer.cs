namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q3_K: super-blocks of 256 weights, 110 bytes = 32 bytes hmask (bit k of hmask[m] = 3rd bit of weight 32k+m),
/// 64 bytes of low 2 bits (packed as Q2_K), 12 bytes of 6-bit signed scales (one per 16 weights, offset 32:
/// low nibbles in bytes 0–7, high 2 bits in bytes 8–11), f16 d; weight = d·(sc − 32)·(q − 4).
/// Follows ggml's quantize_row_q3_K_ref (make_q3_quants).
/// </summary>
internal static class Q3_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 110;

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        Span<sbyte> levels = stackalloc sbyte[BlockSize];
        Span<float> scales = stackalloc float[16];
        Span<byte> low = stackalloc byte[BlockSize];

        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var y = dst.Slice(b * BlockBytes, BlockBytes);
            var hmask = y[..32];
            var sc = y.Slice(96, 12);
            float maxScale = 0, amax = 0;
            for (int j = 0; j < 16; ++j)
            {
                scales[j] = QuantMath.MakeQ3Quants(16, 4, x.Slice(16 * j, 16), levels.Slice(16 * j, 16), true);
                float scale = MathF.Abs(scales[j]);
                if (scale > amax)
                {
                    amax = scale;
                    maxScale = scales[j];
                }
            }

            sc.Clear();
            float dAll;
            if (maxScale != 0)
            {
                float iscale = -32f / maxScale;
                for (int j = 0; j < 16; ++j)
                {
                    int l = (sbyte)QuantMath.NearestInt(iscale * scales[j]);
                    l = Math.Max(-32, Math.Min(31, l)) + 32;
                    if (j < 8)
                    {
                        sc[j] = (byte)(l & 0xF);
                    }
                    else
                    {
                        sc[j - 8] |= (byte)((l & 0xF) << 4);
                    }

                    l >>= 4;
                    sc[(j % 4) + 8] |= (byte)(l << (2 * (j / 4)));
                }

                QuantMath.WriteHalf(y[108..], 1 / iscale);
                dAll = QuantMath.RoundTripHalf(1 / iscale);
            }
            else
            {
                QuantMath.WriteHalf(y[108..], 0f);
                dAll = 0f;
            }

            for (int j = 0; j < 16; ++j)
            {
                int s = j < 8 ? sc[j] & 0xF : sc[j - 8] >> 4;
                s = (s | (((sc[8 + (j % 4)] >> (2 * (j / 4))) & 3) << 4)) - 32;
                float d = dAll * s;
                if (d == 0)
                {
                    continue;
                }

                for (int ii = 0; ii < 16; ++ii)
                {
                    int l = QuantMath.NearestInt(x[16 * j + ii] / d);
                    levels[16 * j + ii] = (sbyte)(Math.Max(-4, Math.Min(3, l)) + 4);
                }
            }

            hmask.Clear();
            int m = 0;
            byte hm = 1;
            for (int j = 0; j < BlockSize; ++j)
            {
                int l = levels[j];
                if (l > 3)
                {
                    hmask[m] |= hm;
                    l -= 4;
                }

                low[j] = (byte)l;
                if (++m == 32)
                {
                    m = 0;
                    hm <<= 1;
                }
            }

            KQuantPacking.Pack2Bit(low, y.Slice(32, 64));
        }
    }
}
