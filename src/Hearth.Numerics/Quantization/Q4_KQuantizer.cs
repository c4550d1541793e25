namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q4_K: super-blocks of 256 weights, 144 bytes = f16 d, f16 dmin, 12 bytes of packed 6-bit scales and mins
/// for 8 sub-blocks of 32, then 128 bytes of nibbles (per 64 weights: 32 bytes, weight l low, weight l+32 high);
/// weight = d·sc·q − dmin·m. Follows ggml's quantize_row_q4_K_ref (make_qkx2_quants per sub-block, no imatrix).
/// </summary>
internal static class Q4_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 144;

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
                QuantLanes.SubBlocksK(x, 15, -1f, 0.1f, 20, levels, scales, mins);
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

                    scales[j] = QuantMath.MakeQkx2Quants(32, 15, xs, weights, levels.Slice(32 * j, 32), out mins[j], aux, -1f, 0.1f, 20, false);
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
                    levels[32 * j + ii] = (byte)Math.Max(0, Math.Min(15, l));
                }
            }

            var q = y.Slice(16, 128);
            for (int j = 0, o = 0; j < BlockSize; j += 64, o += 32)
            {
                for (int l = 0; l < 32; ++l)
                {
                    q[o + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 4));
                }
            }
        }
    }
}
