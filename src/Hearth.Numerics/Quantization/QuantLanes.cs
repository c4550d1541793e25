using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// Vectorized twins of the <see cref="QuantMath"/> searches that run eight independent sub-blocks at once, one
/// per Vector256 lane. Each lane performs exactly the scalar sequence of single-precision operations (same
/// order of additions, no fused multiply-adds, comparisons turned into per-lane selects), so results are
/// bit-identical to the scalar reference; only the sub-blocks are processed side by side.
/// </summary>
internal static class QuantLanes
{
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    /// <summary>
    /// The sub-block search of quantize_row_q4_K_ref / q5_K_ref for one 256-weight super-block: per sub-block j of
    /// 32 weights, weights av_x + |x| and make_qkx2_quants(32, nmax, ..., rmin, rdelta, nstep, use_mad = false).
    /// </summary>
    [SkipLocalsInit]
    public static void SubBlocksK(ReadOnlySpan<float> x, int nmax, float rmin, float rdelta, int nstep,
        Span<byte> levels, Span<float> scales, Span<float> mins)
    {
        const int N = 32;
        Span<Vector256<float>> xs = stackalloc Vector256<float>[N];
        Span<Vector256<float>> ws = stackalloc Vector256<float>[N];
        Span<Vector256<int>> best = stackalloc Vector256<int>[N];
        Span<Vector256<int>> aux = stackalloc Vector256<int>[N];
        for (int i = 0; i < N; i++)
        {
            xs[i] = Vector256.Create(x[i], x[32 + i], x[64 + i], x[96 + i], x[128 + i], x[160 + i], x[192 + i], x[224 + i]);
        }

        var sumX2 = Vector256<float>.Zero;
        for (int i = 0; i < N; i++)
        {
            sumX2 += xs[i] * xs[i];
        }

        var avX = Vector256.Sqrt(sumX2 / Vector256.Create(32f));
        for (int i = 0; i < N; i++)
        {
            ws[i] = avX + Vector256.Abs(xs[i]);
        }

        // make_qkx2_quants, lane-wise.
        var min = xs[0];
        var max = xs[0];
        var sumW = ws[0];
        var sumX = sumW * xs[0];
        for (int i = 1; i < N; i++)
        {
            min = Vector256.ConditionalSelect(Vector256.LessThan(xs[i], min), xs[i], min);
            max = Vector256.ConditionalSelect(Vector256.GreaterThan(xs[i], max), xs[i], max);
            sumW += ws[i];
            sumX += ws[i] * xs[i];
        }

        var zero = Vector256<float>.Zero;
        min = Vector256.ConditionalSelect(Vector256.GreaterThan(min, zero), zero, min);
        var flat = Vector256.Equals(max, min);
        var flatMin = min;
        var nmaxF = Vector256.Create((float)nmax);
        var nmaxI = Vector256.Create(nmax);

        var iscale = nmaxF / (max - min);
        var scale = Vector256<float>.One / iscale;
        var bestError = zero;
        for (int i = 0; i < N; i++)
        {
            var l = Clamp(NearestInt(iscale * (xs[i] - min)), Vector256<int>.Zero, nmaxI);
            best[i] = l;
            var diff = (scale * Vector256.ConvertToSingle(l)) + min - xs[i];
            bestError += ws[i] * (diff * diff);
        }

        for (int step = 0; step <= nstep; step++)
        {
            float numerator = rmin + (rdelta * step) + nmax;
            // min moves whenever a step wins, and later steps search around it (as in the scalar loop).
            iscale = Vector256.Create(numerator) / (max - min);
            var sumL = zero;
            var sumL2 = zero;
            var sumXL = zero;
            for (int i = 0; i < N; i++)
            {
                var l = Clamp(NearestInt(iscale * (xs[i] - min)), Vector256<int>.Zero, nmaxI);
                aux[i] = l;
                var lf = Vector256.ConvertToSingle(l);
                var wl = ws[i] * lf;
                sumL += wl;
                sumL2 += wl * lf;
                sumXL += wl * xs[i];
            }

            var det = (sumW * sumL2) - (sumL * sumL);
            var thisScale = ((sumW * sumXL) - (sumX * sumL)) / det;
            var thisMin = ((sumL2 * sumX) - (sumL * sumXL)) / det;
            var positive = Vector256.GreaterThan(thisMin, zero);
            thisMin = Vector256.ConditionalSelect(positive, zero, thisMin);
            thisScale = Vector256.ConditionalSelect(positive, sumXL / sumL2, thisScale);

            var curError = zero;
            for (int i = 0; i < N; i++)
            {
                var diff = (thisScale * Vector256.ConvertToSingle(aux[i])) + thisMin - xs[i];
                curError += ws[i] * (diff * diff);
            }

            var better = Vector256.GreaterThan(det, zero) & Vector256.LessThan(curError, bestError);
            if (better == Vector256<float>.Zero)
            {
                continue;
            }

            var betterI = better.AsInt32();
            for (int i = 0; i < N; i++)
            {
                best[i] = Vector256.ConditionalSelect(betterI, aux[i], best[i]);
            }

            bestError = Vector256.ConditionalSelect(better, curError, bestError);
            scale = Vector256.ConditionalSelect(better, thisScale, scale);
            min = Vector256.ConditionalSelect(better, thisMin, min);
        }

        // Flat sub-blocks (max == min): all levels 0, scale 0, min as clamped.
        var flatI = flat.AsInt32();
        scale = Vector256.ConditionalSelect(flat, zero, scale);
        var theMin = -Vector256.ConditionalSelect(flat, flatMin, min);
        for (int j = 0; j < 8; j++)
        {
            scales[j] = scale.GetElement(j);
            mins[j] = theMin.GetElement(j);
        }

        for (int i = 0; i < N; i++)
        {
            var l = Vector256.ConditionalSelect(flatI, Vector256<int>.Zero, best[i]);
            for (int j = 0; j < 8; j++)
            {
                levels[(32 * j) + i] = (byte)l.GetElement(j);
            }
        }
    }

    /// <summary>
    /// make_qx_quants(16, nmax, x, L, rmse_type = 1, no weights) for eight 16-weight groups at once: group j
    /// starts at x[16·j]. Levels (offset by nmax) go to levels[16·j + i], scales to scales[j].
    /// </summary>
    [SkipLocalsInit]
    public static void QxGroups16(ReadOnlySpan<float> x, int nmax, Span<sbyte> levels, Span<float> scales)
    {
        const int N = 16;
        Span<Vector256<float>> xs = stackalloc Vector256<float>[N];
        Span<Vector256<int>> best = stackalloc Vector256<int>[N];
        Span<Vector256<int>> aux = stackalloc Vector256<int>[N];
        for (int i = 0; i < N; i++)
        {
            xs[i] = Vector256.Create(x[i], x[16 + i], x[32 + i], x[48 + i], x[64 + i], x[80 + i], x[96 + i], x[112 + i]);
        }

        var zero = Vector256<float>.Zero;
        var amax = zero;
        var max = zero;
        for (int i = 0; i < N; i++)
        {
            var ax = Vector256.Abs(xs[i]);
            var greater = Vector256.GreaterThan(ax, amax);
            amax = Vector256.ConditionalSelect(greater, ax, amax);
            max = Vector256.ConditionalSelect(greater, xs[i], max);
        }

        var allZero = Vector256.LessThan(amax, Vector256.Create(QuantMath.GroupMaxEps));
        var lo = Vector256.Create(-nmax);
        var hi = Vector256.Create(nmax - 1);
        var offset = Vector256.Create(nmax);

        var iscale = Vector256.Create((float)-nmax) / max;
        var sumLX = zero;
        var sumL2 = zero;
        for (int i = 0; i < N; i++)
        {
            var l = Clamp(NearestInt(iscale * xs[i]), lo, hi);
            best[i] = l;
            var lf = Vector256.ConvertToSingle(l);
            var w = xs[i] * xs[i];
            sumLX += w * xs[i] * lf;
            sumL2 += w * lf * lf;
        }

        var scale = Vector256.ConditionalSelect(Vector256.Equals(sumL2, zero), zero, sumLX / sumL2);
        var bestScore = scale * sumLX;
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0)
            {
                continue;
            }

            float numerator = -(nmax + (0.1f * step));
            iscale = Vector256.Create(numerator) / max;
            sumLX = zero;
            sumL2 = zero;
            for (int i = 0; i < N; i++)
            {
                var l = Clamp(NearestInt(iscale * xs[i]), lo, hi);
                aux[i] = l;
                var lf = Vector256.ConvertToSingle(l);
                var w = xs[i] * xs[i];
                sumLX += w * xs[i] * lf;
                sumL2 += w * lf * lf;
            }

            var better = Vector256.GreaterThan(sumL2, zero) & Vector256.GreaterThan(sumLX * sumLX, bestScore * sumL2);
            if (better == Vector256<float>.Zero)
            {
                continue;
            }

            var betterI = better.AsInt32();
            for (int i = 0; i < N; i++)
            {
                best[i] = Vector256.ConditionalSelect(betterI, aux[i], best[i]);
            }

            var newScale = sumLX / sumL2;
            scale = Vector256.ConditionalSelect(better, newScale, scale);
            bestScore = Vector256.ConditionalSelect(better, newScale * sumLX, bestScore);
        }

        scale = Vector256.ConditionalSelect(allZero, zero, scale);
        var allZeroI = allZero.AsInt32();
        for (int j = 0; j < 8; j++)
        {
            scales[j] = scale.GetElement(j);
        }

        for (int i = 0; i < N; i++)
        {
            var l = Vector256.ConditionalSelect(allZeroI, Vector256<int>.Zero, best[i] + offset);
            for (int j = 0; j < 8; j++)
            {
                levels[(16 * j) + i] = (sbyte)l.GetElement(j);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> NearestInt(Vector256<float> v) =>
        ((v + Vector256.Create(12582912f)).AsInt32() & Vector256.Create(0x007fffff)) - Vector256.Create(0x00400000);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Clamp(Vector256<int> v, Vector256<int> lo, Vector256<int> hi) => Vector256.Max(lo, Vector256.Min(hi, v));
}
