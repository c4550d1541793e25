using System.Buffers.Binary;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// Scalar helpers shared by the weight quantizers. Each mirrors a helper of ggml's reference
/// quantizer (ggml-quants.c) operation for operation, in single precision and without fused
/// multiply-adds, so that our bytes equal the bytes of files the reference produced.
/// </summary>
internal static class QuantMath
{
    /// <summary>Groups whose largest magnitude is below this are treated as all zero (GROUP_MAX_EPS in ggml-quants.c).</summary>
    public const float GroupMaxEps = 1e-15f;

    /// <summary>
    /// Round to nearest, ties to even, for |x| ≤ 2^22: adding 1.5·2^23 leaves the rounded integer in the
    /// low mantissa bits (ggml's nearest_int). Kept as the bit trick so results match exactly.
    /// </summary>
    public static int NearestInt(float value)
    {
        float biased = value + 12582912f;
        return (BitConverter.SingleToInt32Bits(biased) & 0x007fffff) - 0x00400000;
    }

    /// <summary>Writes an IEEE binary16 (round to nearest even, as ggml's GGML_FP32_TO_FP16).</summary>
    public static void WriteHalf(Span<byte> dst, float value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(dst, BitConverter.HalfToUInt16Bits((Half)value));

    /// <summary>The float a stored binary16 decodes to (the quantizers requantize against the stored scale).</summary>
    public static float RoundTripHalf(float value) => (float)(Half)value;

    /// <summary>
    /// Symmetric quantization of a group to signed levels [-nmax, nmax-1] with an RMSE-refined scale
    /// (ggml's make_qx_quants). L receives levels offset by nmax. rmseType 1 weights errors by x².
    /// Returns the scale.
    /// </summary>
    public static float MakeQxQuants(int n, int nmax, ReadOnlySpan<float> x, Span<sbyte> levels, int rmseType, ReadOnlySpan<float> weights)
    {
        float max = 0, amax = 0;
        for (int i = 0; i < n; ++i)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax)
            {
                amax = ax;
                max = x[i];
            }
        }

        if (amax < GroupMaxEps)
        {
            levels[..n].Clear();
            return 0f;
        }

        float iscale = -nmax / max;
        if (rmseType == 0)
        {
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * x[i]);
                levels[i] = (sbyte)(nmax + Math.Max(-nmax, Math.Min(nmax - 1, l)));
            }

            return 1 / iscale;
        }

        bool returnEarly = false;
        if (rmseType < 0)
        {
            rmseType = -rmseType;
            returnEarly = true;
        }

        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; ++i)
        {
            int l = NearestInt(iscale * x[i]);
            l = Math.Max(-nmax, Math.Min(nmax - 1, l));
            levels[i] = (sbyte)(l + nmax);
            float w = Weight(x[i], rmseType, weights, i);
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }

        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        if (returnEarly)
        {
            return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        }

        float best = scale * sumlx;
        for (int step = -9; step <= 9; ++step)
        {
            if (step == 0)
            {
                continue;
            }

            iscale = -(nmax + 0.1f * step) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * x[i]);
                l = Math.Max(-nmax, Math.Min(nmax - 1, l));
                float w = Weight(x[i], rmseType, weights, i);
                sumlx += w * x[i] * l;
                suml2 += w * l * l;
            }

            if (suml2 > 0 && sumlx * sumlx > best * suml2)
            {
                for (int i = 0; i < n; ++i)
                {
                    int l = NearestInt(iscale * x[i]);
                    levels[i] = (sbyte)(nmax + Math.Max(-nmax, Math.Min(nmax - 1, l)));
                }

                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }

        return scale;
    }

    private static float Weight(float x, int rmseType, ReadOnlySpan<float> weights, int i) =>
        !weights.IsEmpty ? weights[i]
        : rmseType == 1 ? x * x
        : rmseType == 2 ? 1
        : rmseType == 3 ? MathF.Abs(x)
        : MathF.Sqrt(MathF.Abs(x));

    /// <summary>
    /// Symmetric 3-bit-style quantization with iterative per-element refinement (ggml's make_q3_quants):
    /// levels in [-nmax, nmax-1], stored offset by nmax. Returns the scale.
    /// </summary>
    public static float MakeQ3Quants(int n, int nmax, ReadOnlySpan<float> x, Span<sbyte> levels, bool doRmse)
    {
        float max = 0, amax = 0;
        for (int i = 0; i < n; ++i)
        {
            float ax = MathF.Abs(x[i]);
            if (ax > amax)
            {
                amax = ax;
                max = x[i];
            }
        }

        if (amax < GroupMaxEps)
        {
            levels[..n].Clear();
            return 0f;
        }

        float iscale = -nmax / max;
        if (doRmse)
        {
            float sumlx = 0, suml2 = 0;
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * x[i]);
                l = Math.Max(-nmax, Math.Min(nmax - 1, l));
                levels[i] = (sbyte)l;
                float w = x[i] * x[i];
                sumlx += w * x[i] * l;
                suml2 += w * l * l;
            }

            for (int attempt = 0; attempt < 5; ++attempt)
            {
                int changed = 0;
                for (int i = 0; i < n; ++i)
                {
                    float w = x[i] * x[i];
                    float slx = sumlx - w * x[i] * levels[i];
                    if (slx > 0)
                    {
                        float sl2 = suml2 - w * levels[i] * levels[i];
                        int newL = NearestInt(x[i] * sl2 / slx);
                        newL = Math.Max(-nmax, Math.Min(nmax - 1, newL));
                        if (newL != levels[i])
                        {
                            slx += w * x[i] * newL;
                            sl2 += w * newL * newL;
                            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2)
                            {
                                levels[i] = (sbyte)newL;
                                sumlx = slx;
                                suml2 = sl2;
                                ++changed;
                            }
                        }
                    }
                }

                if (changed == 0)
                {
                    break;
                }
            }

            for (int i = 0; i < n; ++i)
            {
                levels[i] += (sbyte)nmax;
            }

            return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
        }

        for (int i = 0; i < n; ++i)
        {
            int l = NearestInt(iscale * x[i]);
            l = Math.Max(-nmax, Math.Min(nmax - 1, l));
            levels[i] = (sbyte)(l + nmax);
        }

        return 1 / iscale;
    }

    /// <summary>
    /// Asymmetric quantization of a group to levels [0, nmax] with a scale and a (non-positive) minimum,
    /// searching nstep+1 candidate scales for the least weighted error (ggml's make_qkx2_quants).
    /// Returns the scale; <paramref name="theMin"/> receives -min (≥ 0).
    /// </summary>
    public static float MakeQkx2Quants(int n, int nmax, ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<byte> levels,
        out float theMin, Span<byte> aux, float rmin, float rdelta, int nstep, bool useMad)
    {
        float min = x[0], max = x[0];
        float sumW = weights[0];
        float sumX = sumW * x[0];
        for (int i = 1; i < n; ++i)
        {
            if (x[i] < min)
            {
                min = x[i];
            }

            if (x[i] > max)
            {
                max = x[i];
            }

            float w = weights[i];
            sumW += w;
            sumX += w * x[i];
        }

        if (min > 0)
        {
            min = 0;
        }

        if (max == min)
        {
            levels[..n].Clear();
            theMin = -min;
            return 0f;
        }

        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i)
        {
            int l = NearestInt(iscale * (x[i] - min));
            levels[i] = (byte)Math.Max(0, Math.Min(nmax, l));
            float diff = scale * levels[i] + min - x[i];
            diff = useMad ? MathF.Abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }

        if (nstep < 1)
        {
            theMin = -min;
            return scale;
        }

        for (int step = 0; step <= nstep; ++step)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; ++i)
            {
                int l = NearestInt(iscale * (x[i] - min));
                l = Math.Max(0, Math.Min(nmax, l));
                aux[i] = (byte)l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[i];
            }

            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0)
            {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0)
                {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }

                float curError = 0;
                for (int i = 0; i < n; ++i)
                {
                    float diff = thisScale * aux[i] + thisMin - x[i];
                    diff = useMad ? MathF.Abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }

                if (curError < bestError)
                {
                    aux[..n].CopyTo(levels);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }

        theMin = -min;
        return scale;
    }

    /// <summary>Unpacks the 6-bit scale and min of sub-block j from the 12-byte k-quant scales array (get_scale_min_k4).</summary>
    public static (byte Scale, byte Min) GetScaleMinK4(int j, ReadOnlySpan<byte> q)
    {
        if (j < 4)
        {
            return ((byte)(q[j] & 63), (byte)(q[j + 4] & 63));
        }

        return ((byte)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4)), (byte)((q[j + 4] >> 4) | ((q[j] >> 6) << 4)));
    }

    /// <summary>Packs 8 six-bit scales and mins into the 12-byte layout shared by Q4_K and Q5_K.</summary>
    public static void PackScalesMinsK4(ReadOnlySpan<byte> ls, ReadOnlySpan<byte> lm, Span<byte> scales)
    {
        scales[..12].Clear();
        for (int j = 0; j < 8; ++j)
        {
            if (j < 4)
            {
                scales[j] = ls[j];
                scales[j + 4] = lm[j];
            }
            else
            {
                scales[j + 4] = (byte)((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                scales[j - 4] |= (byte)((ls[j] >> 4) << 6);
                scales[j] |= (byte)((lm[j] >> 4) << 6);
            }
        }
    }
}
