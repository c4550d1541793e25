namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q6_K: super-blocks of 256 weights, 210 bytes = 128 bytes ql (low nibbles), 64 bytes qh (2 high bits each),
/// 16 signed 8-bit scales (one per 16 weights), f16 d; weight = d·scale·(q − 32).
/// Per 128 weights: ql[l] holds weights l (low) and l+64 (high), ql[l+32] holds l+32 and l+96, qh[l] holds the
/// high bits of l, l+32, l+64, l+96. Follows ggml's quantize_row_q6_K_ref (make_qx_quants, x² weighting).
/// </summary>
internal static class Q6_KQuantizer
{
    public const int BlockSize = 256;
    public const int BlockBytes = 210;

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst) => Quantize(src, dst, QuantLanes.IsSupported);

    /// <summary>Quantizes with the group search run lane-parallel (<paramref name="lanes"/>) or scalar; both give the same bytes.</summary>
    internal static void Quantize(ReadOnlySpan<float> src, Span<byte> dst, bool lanes)
    {
        Span<sbyte> levels = stackalloc sbyte[BlockSize];
        Span<float> scales = stackalloc float[16];

        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var y = dst.Slice(b * BlockBytes, BlockBytes);
            if (lanes)
            {
                QuantLanes.QxGroups16(x, 32, levels, scales);
                QuantLanes.QxGroups16(x[128..], 32, levels[128..], scales[8..]);
            }
            else
            {
                for (int ib = 0; ib < 16; ++ib)
                {
                    scales[ib] = QuantMath.MakeQxQuants(16, 32, x.Slice(16 * ib, 16), levels.Slice(16 * ib, 16), 1, default);
                }
            }

            float maxScale = 0, maxAbsScale = 0;
            for (int ib = 0; ib < 16; ++ib)
            {
                float scale = scales[ib];
                float absScale = MathF.Abs(scale);
                if (absScale > maxAbsScale)
                {
                    maxAbsScale = absScale;
                    maxScale = scale;
                }
            }

            if (maxAbsScale < QuantMath.GroupMaxEps)
            {
                y.Clear();
                continue;
            }

            float iscale = -128f / maxScale;
            QuantMath.WriteHalf(y[208..], 1 / iscale);
            float dAll = QuantMath.RoundTripHalf(1 / iscale);
            var sc = y.Slice(192, 16);
            for (int ib = 0; ib < 16; ++ib)
            {
                sc[ib] = (byte)(sbyte)Math.Min(127, QuantMath.NearestInt(iscale * scales[ib]));
            }

            for (int j = 0; j < 16; ++j)
            {
                float d = dAll * (sbyte)sc[j];
                if (d == 0)
                {
                    continue;
                }

                for (int ii = 0; ii < 16; ++ii)
                {
                    int l = QuantMath.NearestInt(x[16 * j + ii] / d);
                    levels[16 * j + ii] = (sbyte)(Math.Max(-32, Math.Min(31, l)) + 32);
                }
            }

            var ql = y[..128];
            var qh = y.Slice(128, 64);
            for (int j = 0, lo = 0, ho = 0; j < BlockSize; j += 128, lo += 64, ho += 32)
            {
                for (int l = 0; l < 32; ++l)
                {
                    int q1 = levels[j + l] & 0xF;
                    int q2 = levels[j + l + 32] & 0xF;
                    int q3 = levels[j + l + 64] & 0xF;
                    int q4 = levels[j + l + 96] & 0xF;
                    ql[lo + l] = (byte)(q1 | (q3 << 4));
                    ql[lo + l + 32] = (byte)(q2 | (q4 << 4));
                    qh[ho + l] = (byte)((levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2)
                        | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6));
                }
            }
        }
    }
}
