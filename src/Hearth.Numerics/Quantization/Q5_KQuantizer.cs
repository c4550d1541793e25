namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q5_K: super-blocks of 256 weights, 176 bytes = f16 d, f16 dmin, 12 bytes packed 6-bit scales/mins,
/// 32 bytes qh (bit 2i / 2i+1 of qh[l] = 5th bit of weight 64i+l / 64i+32+l), 128 bytes of low nibbles
/// laid out as Q4_K; weight = d·sc·q − dmin·m. Follows ggml's quantize_row_q5_K_ref.
/// </summary>
internal static class Q5_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 176;

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst) => Quantize(src, dst, QuantLanes.IsSupported);

    /// <summary>Quantizes with the sub-block search run lane-parallel (<paramref name="lanes"/>) or scalar; both give the same bytes.</summary>
    internal static void Quantize(ReadOnlySpan<float> src, Span<byte> dst, bool lanes)
    {
        Span<byte> levels = stackalloc byte[BlockSize];
        Span<byte> aux = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];
        Span<byte> ls = stackalloc byte[8];
        Span<byte> lm = stackalloc byte[8];

        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var y = dst.Slice(b * BlockBytes, BlockBytes);
            if (lanes)
            {
                QuantLanes.SubBlocksK(x, 31, -0.5f, 0.1f, 15, levels, scales, mins);
            }
            else
            {
                for (int j = 0; j < 8; ++j)
                {
                    var xs = x.Slice(32 * j, 32);
                    float sumX2 = 0;
                    for (int l = 0; l < 32; ++l)
                    {
                        sumX2 += xs[l] * xs[l];
                    }

                    float avX = MathF.Sqrt(sumX2 / 32);
                    for (int l = 0; l < 32; ++l)
                    {
                        weights[l] = avX + MathF.Abs(xs[l]);
                    }

                    scales[j] = QuantMath.MakeQkx2Quants(32, 31, xs, weights, levels.Slice(32 * j, 32), out mins[j], aux, -0.5f, 0.1f, 15, false);
                }
            }

            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; ++j)
            {
                if (scales[j] > maxScale)
                {
                    maxScale = scales[j];
                }

                if (mins[j] > maxMin)
                {
                    maxMin = mins[j];
                }
            }

            float invScale = maxScale > 0 ? 63f / maxScale : 0f;
            float invMin = maxMin > 0 ? 63f / maxMin : 0f;
            for (int j = 0; j < 8; ++j)
            {
                ls[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(invScale * scales[j]));
                lm[j] = Math.Min((byte)63, (byte)QuantMath.NearestInt(invMin * mins[j]));
            }

            var packed = y.Slice(4, 12);
            QuantMath.PackScalesMinsK4(ls, lm, packed);
            QuantMath.WriteHalf(y, maxScale / 63f);
            QuantMath.WriteHalf(y[2..], maxMin / 63f);
            float dAll = QuantMath.RoundTripHalf(maxScale / 63f);
            float mAll = QuantMath.RoundTripHalf(maxMin / 63f);

            for (int j = 0; j < 8; ++j)
            {
                var (sc, m) = QuantMath.GetScaleMinK4(j, packed);
                float d = dAll * sc;
                if (d == 0)
                {
                    continue;
                }

                float dm = mAll * m;
                for (int ii = 0; ii < 32; ++ii)
                {
                    int l = QuantMath.NearestInt((x[32 * j + ii] + dm) / d);
                    levels[32 * j + ii] = (byte)Math.Max(0, Math.Min(31, l));
                }
            }

            var qh = y.Slice(16, 32);
            var ql = y.Slice(48, 128);
            qh.Clear();
            byte m1 = 1, m2 = 2;
            for (int n = 0, o = 0; n < BlockSize; n += 64, o += 32)
            {
                for (int j = 0; j < 32; ++j)
                {
                    int l1 = levels[n + j];
                    if (l1 > 15)
                    {
                        l1 -= 16;
                        qh[j] |= m1;
                    }

                    int l2 = levels[n + j + 32];
                    if (l2 > 15)
                    {
                        l2 -= 16;
                        qh[j] |= m2;
                    }

                    ql[o + j] = (byte)(l1 | (l2 << 4));
                }

                m1 <<= 2;
                m2 <<= 2;
            }
        }
    }
}
