using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// A 256-element super-block (k-quants, IQ4_XS) seen in one common form: 16 groups of 16 values,
/// weight e = (d * scale[e/16]) * q[e] - (dmin * min[e/16]). Every k-quant dequantizes exactly this way
/// in the reference (ggml-quants.c dequantize_row_*), and its dot with Q8_K activations is
/// d_a * (d * sum_g scale_g * sum(q * q_a) - dmin * sum_g min_g * bsum_g) (ggml_vec_dot_*_q8_K).
/// </summary>
internal interface ISuperBlock
{
    static abstract int Bytes { get; }

    /// <summary>True when q can be negative (dotted with the sign trick); false for 0..63 values that
    /// go straight into vpmaddubsw.</summary>
    static abstract bool Signed { get; }

    /// <summary>Scalar reference decoding of the block layout: 256 values, 16 scales and 16 mins.</summary>
    static abstract unsafe void Decode(byte* block, int* q, int* scales, int* mins, out float d, out float dmin);

    /// <summary>Scales of the 16 groups as int16 duplicated into both halves of an int32 (groups 0..7 in
    /// <c>Lo</c>, 8..15 in <c>Hi</c>), and the 16 mins as int16 (zero for formats without mins).</summary>
    static abstract unsafe (Vector256<int> Lo, Vector256<int> Hi) PrepareAvx2(byte* block, out Vector256<short> mins, out float d, out float dmin);

    /// <summary>Values 32j .. 32j + 31 as bytes (int8 when <see cref="Signed"/>).</summary>
    static abstract unsafe Vector256<byte> DecodeAvx2(byte* block, int j);

    /// <summary>The largest value of <c>q + TileBias</c>, for <see cref="SuperBlockTile"/>; 0 when the format has no
    /// tile form (values that do not fit vpmaddubsw's unsigned operand).</summary>
    static virtual int TileMaxQuant => 0;

    /// <summary>Added to signed values to make them unsigned for <see cref="SuperBlockTile"/> (taken back out as a
    /// min of <c>bias * scale</c>).</summary>
    static virtual int TileBias => 0;

    /// <summary>True when <see cref="PrepareRowPairAvx2"/> is implemented.</summary>
    static virtual bool PreparesRowPairs => false;

    /// <summary>The two-row tile's per-super-block setup for blocks <paramref name="first"/> and
    /// <paramref name="second"/> at once: each row's 16 group scales as int16 pairs (dword g = scale_g twice) and its
    /// 8 min pairs (dword k = mins of groups 2k, 2k + 1), d and dmin per 128-bit lane. Done with vector code where the
    /// scalar unpacking per row cost ~10% of a 4-sequence step.</summary>
    static virtual unsafe void PrepareRowPairAvx2(
        byte* first, byte* second, int* scales0, int* scales1, int* minPairs0, int* minPairs1, out Vector256<float> d, out Vector256<float> dmin) =>
        throw new NotSupportedException();

    /// <summary>True when <see cref="DecodeHalvesAvx2"/> is implemented.</summary>
    static virtual bool DecodesHalves => false;

    /// <summary>Values 32j .. 32j + 15 of <c>q + TileBias</c> (<paramref name="low"/>) and 32j + 16 .. 32j + 31
    /// (<paramref name="high"/>) as <typeparamref name="TL"/> lays 16-byte loads out: block <paramref name="first"/>'s
    /// in both 128-bit lanes, or <paramref name="first"/>'s in the low lane and <paramref name="second"/>'s in the
    /// high one. The tile's form, without cross-lane shuffles.</summary>
    static virtual unsafe void DecodeHalvesAvx2<TL>(byte* first, byte* second, int j, out Vector256<byte> low, out Vector256<byte> high)
        where TL : ILaneLayout =>
        throw new NotSupportedException();
}

internal static class SuperBlock
{
    public static unsafe void Dequantize<T>(byte* w, float* dst, int n) where T : ISuperBlock
    {
        var q = stackalloc int[256];
        var scales = stackalloc int[16];
        var mins = stackalloc int[16];
        for (var b = 0; b < n / 256; b++, w += T.Bytes, dst += 256)
        {
            T.Decode(w, q, scales, mins, out var d, out var dmin);
            for (var e = 0; e < 256; e++)
            {
                dst[e] = d * scales[e / 16] * q[e] - dmin * mins[e / 16];
            }
        }
    }

    public static unsafe float DotScalar<T>(byte* w, byte* a, int n) where T : ISuperBlock
    {
        var q = stackalloc int[256];
        var scales = stackalloc int[16];
        var mins = stackalloc int[16];
        var sum = 0f;
        for (var b = 0; b < n / 256; b++, w += T.Bytes, a += Q8Layout.Q8_KBytes)
        {
            T.Decode(w, q, scales, mins, out var d, out var dmin);
            var qa = (sbyte*)(a + Q8Layout.Q8_KQs);
            var bsums = (short*)(a + Q8Layout.Q8_KBsums);
            int isum = 0, msum = 0;
            for (var g = 0; g < 16; g++)
            {
                var s = 0;
                for (var l = 0; l < 16; l++)
                {
                    s += q[g * 16 + l] * qa[g * 16 + l];
                }

                isum += scales[g] * s;
                msum += mins[g] * bsums[g];
            }

            var da = Unsafe.ReadUnaligned<float>(a);
            sum += da * d * isum - da * dmin * msum;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float DotAvx2<T>(byte* w, byte* a, int n) where T : ISuperBlock
    {
        var acc = Vector256<float>.Zero;
        var minAcc = 0f;
        for (var b = 0; b < n / 256; b++, w += T.Bytes, a += Q8Layout.Q8_KBytes)
        {
            var (lo, hi) = T.PrepareAvx2(w, out var mins, out var d, out var dmin);
            lo = Avx2.PermuteVar8x32(lo, EvenOdd);
            hi = Avx2.PermuteVar8x32(hi, EvenOdd);
            var da = Unsafe.ReadUnaligned<float>(a);
            var qa = a + Q8Layout.Q8_KQs;

            // Unrolled so that every slice index is a constant: the decoders' shifts become immediates.
            var s0 = Step<T>(w, qa, lo, 0) + Step<T>(w, qa, lo, 1);
            var s1 = Step<T>(w, qa, lo, 2) + Step<T>(w, qa, lo, 3);
            s0 += Step<T>(w, qa, hi, 4) + Step<T>(w, qa, hi, 5);
            s1 += Step<T>(w, qa, hi, 6) + Step<T>(w, qa, hi, 7);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s0 + s1), Vector256.Create(d * da), acc);
            if (dmin != 0f)
            {
                minAcc += dmin * da * MinSum(mins, a);
            }
        }

        return Avx2Ops.Sum(acc) - minAcc;
    }

    /// <summary>
    /// Two activation rows against one weight row in one pass (batched generation with two sequences): each
    /// super-block's scales and each slice are decoded once and meet both activations. The two-row tile pads two
    /// activations to four lanes and spent ~1.8x a single row's time per step; this row-vector form streams the
    /// weights once at the single-row dot's pace.
    /// </summary>
    public static unsafe void DotPairAvx2<T>(byte* w, byte* a0, byte* a1, int n, out float r0, out float r1) where T : ISuperBlock
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var minAcc0 = 0f;
        var minAcc1 = 0f;
        for (var b = 0; b < n / 256; b++, w += T.Bytes, a0 += Q8Layout.Q8_KBytes, a1 += Q8Layout.Q8_KBytes)
        {
            var (lo, hi) = T.PrepareAvx2(w, out var mins, out var d, out var dmin);
            lo = Avx2.PermuteVar8x32(lo, EvenOdd);
            hi = Avx2.PermuteVar8x32(hi, EvenOdd);
            var qa0 = a0 + Q8Layout.Q8_KQs;
            var qa1 = a1 + Q8Layout.Q8_KQs;
            var s0 = Vector256<int>.Zero;
            var s1 = Vector256<int>.Zero;
            StepPair<T>(w, qa0, qa1, lo, 0, ref s0, ref s1);
            StepPair<T>(w, qa0, qa1, lo, 1, ref s0, ref s1);
            StepPair<T>(w, qa0, qa1, lo, 2, ref s0, ref s1);
            StepPair<T>(w, qa0, qa1, lo, 3, ref s0, ref s1);
            StepPair<T>(w, qa0, qa1, hi, 4, ref s0, ref s1);
            StepPair<T>(w, qa0, qa1, hi, 5, ref s0, ref s1);
            StepPair<T>(w, qa0, qa1, hi, 6, ref s0, ref s1);
            StepPair<T>(w, qa0, qa1, hi, 7, ref s0, ref s1);
            var da0 = Unsafe.ReadUnaligned<float>(a0);
            var da1 = Unsafe.ReadUnaligned<float>(a1);
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s0), Vector256.Create(d * da0), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s1), Vector256.Create(d * da1), acc1);
            if (dmin != 0f)
            {
                minAcc0 += dmin * da0 * MinSum(mins, a0);
                minAcc1 += dmin * da1 * MinSum(mins, a1);
            }
        }

        r0 = Avx2Ops.Sum(acc0) - minAcc0;
        r1 = Avx2Ops.Sum(acc1) - minAcc1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StepPair<T>(byte* w, byte* qa0, byte* qa1, Vector256<int> scales,
        [System.Diagnostics.CodeAnalysis.ConstantExpected(Max = 7)] int j, ref Vector256<int> s0, ref Vector256<int> s1) where T : ISuperBlock
    {
        var scale = SlicePair(scales, j);
        var q = T.DecodeAvx2(w, j);
        s0 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)qa0 + (32 * j))), scale);
        s1 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)qa1 + (32 * j))), scale);
    }

    /// <summary>Groups 0, 2, 4, 6 into the low 128-bit lane and 1, 3, 5, 7 into the high one: then slice k's pair of
    /// scales (groups 2k, 2k + 1) is one in-lane vpshufd instead of a cross-lane vpermd per slice (which made the
    /// k-quant tile ~1.5x slower on Zen 3, see <see cref="SuperBlockTile"/>).</summary>
    private static Vector256<int> EvenOdd => Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Step<T>(byte* w, byte* qa, Vector256<int> scales, [System.Diagnostics.CodeAnalysis.ConstantExpected(Max = 7)] int j) where T : ISuperBlock
    {
        var scale = SlicePair(scales, j);
        return Avx2.MultiplyAddAdjacent(Products<T>(T.DecodeAvx2(w, j), Avx.LoadVector256((sbyte*)qa + 32 * j)), scale);
    }

    /// <summary>Slice <paramref name="j"/>'s scale pair from the even/odd-reordered scales, repeated with an in-lane vpshufd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> SlicePair(Vector256<int> scales, [System.Diagnostics.CodeAnalysis.ConstantExpected(Max = 7)] int j) =>
        ((j & 3) switch
        {
            0 => Avx2.Shuffle(scales, 0x00),
            1 => Avx2.Shuffle(scales, 0x55),
            2 => Avx2.Shuffle(scales, 0xAA),
            _ => Avx2.Shuffle(scales, 0xFF),
        }).AsInt16();

    /// <summary>Formats with a tile form (<see cref="SuperBlockTile"/>) take it for 2+ activation rows; the others
    /// (IQ4_XS) a row tile where 8 (then 4) activation rows meet each decoded 32-value slice; a last single row takes
    /// the dot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MatMulAvx2<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISuperBlock
    {
        var nb = n / 256;
        if (SuperBlockTile.Supports<T>() && nAct >= SuperBlockWeightMajorTile.MinActivations)
        {
            SuperBlockWeightMajorTile.MatMul<T>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
            return;
        }

        if (nAct == 2)
        {
            for (var r = r0; r < r1; r++)
            {
                DotPairAvx2<T>(w + r * wStride, a, a + aStride, n, out output[r], out output[outputStride + r]);
            }

            return;
        }

        var i = SuperBlockTile.Supports<T>() && nAct >= 2
            ? SuperBlockTile.MatMul<T>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride)
            : 0;
        for (; i + 8 <= nAct; i += 8)
        {
            for (var r = r0; r < r1; r++)
            {
                RowTile<T, Width8>(w + r * wStride, a + (long)i * aStride, aStride, nb, output + (long)i * outputStride + r, outputStride);
            }
        }

        if (i + 4 <= nAct)
        {
            for (var r = r0; r < r1; r++)
            {
                RowTile<T, Width4>(w + r * wStride, a + (long)i * aStride, aStride, nb, output + (long)i * outputStride + r, outputStride);
            }

            i += 4;
        }

        for (; i < nAct; i++)
        {
            for (var r = r0; r < r1; r++)
            {
                output[(long)i * outputStride + r] = DotAvx2<T>(w + r * wStride, a + (long)i * aStride, n);
            }
        }
    }

    /// <summary>
    /// One weight row times eight (or four) activation rows: each decoded 32-value slice meets every activation slice
    /// of the tile (eight: twice a 4-tile's reuse of the decode and the scale permutation). The int sums of a
    /// super-block stay in registers; the float accumulators live in a small stack block, touched once per super-block.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void RowTile<T, TW>(byte* wb, byte* a, int aStride, int nb, float* output, int outputStride)
        where T : ISuperBlock
        where TW : ITileWidth
    {
        var width = TW.Count;
        var acc = stackalloc float[8 * 8];
        new Span<float>(acc, 64).Clear();
        var minAcc = stackalloc float[8];
        new Span<float>(minAcc, 8).Clear();
        var stride = (long)aStride;
        for (long b = 0, o = 0; b < nb; b++, wb += T.Bytes, o += Q8Layout.Q8_KBytes)
        {
            var (lo, hi) = T.PrepareAvx2(wb, out var mins, out var d, out var dmin);
            var s0 = Vector256<int>.Zero;
            var s1 = Vector256<int>.Zero;
            var s2 = Vector256<int>.Zero;
            var s3 = Vector256<int>.Zero;
            var s4 = Vector256<int>.Zero;
            var s5 = Vector256<int>.Zero;
            var s6 = Vector256<int>.Zero;
            var s7 = Vector256<int>.Zero;
            var at = a + o + Q8Layout.Q8_KQs;
            for (var j = 0; j < 8; j++, at += 32)
            {
                var scale = Avx2.PermuteVar8x32(j < 4 ? lo : hi, ScaleIndex(j & 3)).AsInt16();
                var q = T.DecodeAvx2(wb, j);
                s0 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)at)), scale);
                s1 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)(at + stride))), scale);
                s2 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)(at + (2 * stride)))), scale);
                s3 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)(at + (3 * stride)))), scale);
                if (width == 8)
                {
                    s4 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)(at + (4 * stride)))), scale);
                    s5 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)(at + (5 * stride)))), scale);
                    s6 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)(at + (6 * stride)))), scale);
                    s7 += Avx2.MultiplyAddAdjacent(Products<T>(q, Avx.LoadVector256((sbyte*)(at + (7 * stride)))), scale);
                }
            }

            var block = a + o;
            Accumulate(acc, 0, s0, d, block);
            Accumulate(acc, 1, s1, d, block + stride);
            Accumulate(acc, 2, s2, d, block + (2 * stride));
            Accumulate(acc, 3, s3, d, block + (3 * stride));
            if (width == 8)
            {
                Accumulate(acc, 4, s4, d, block + (4 * stride));
                Accumulate(acc, 5, s5, d, block + (5 * stride));
                Accumulate(acc, 6, s6, d, block + (6 * stride));
                Accumulate(acc, 7, s7, d, block + (7 * stride));
            }

            if (dmin != 0f)
            {
                for (var c = 0; c < width; c++)
                {
                    var act = block + (c * stride);
                    minAcc[c] += dmin * Unsafe.ReadUnaligned<float>(act) * MinSum(mins, act);
                }
            }
        }

        for (var c = 0; c < width; c++)
        {
            output[(long)c * outputStride] = Avx2Ops.Sum(Avx.LoadVector256(acc + (8 * c))) - minAcc[c];
        }
    }

    /// <summary>acc[c] += float(s) * d * d_a, where d_a is the activation block's f32 scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Accumulate(float* acc, int c, Vector256<int> s, float d, byte* activationBlock)
    {
        var at = acc + (8 * c);
        var scale = Vector256.Create(d * Unsafe.ReadUnaligned<float>(activationBlock));
        Avx.Store(at, Fma.MultiplyAdd(Avx.ConvertToVector256Single(s), scale, Avx.LoadVector256(at)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Products<T>(Vector256<byte> q, Vector256<sbyte> qa) where T : ISuperBlock =>
        T.Signed
            ? Avx2.MultiplyAddAdjacent(Avx2.Sign(q.AsSByte(), q.AsSByte()).AsByte(), Avx2.Sign(qa, q.AsSByte()))
            : Avx2.MultiplyAddAdjacent(q, qa);

    /// <summary>Permutation picking scale pair 2k for the low 16 values and 2k + 1 for the high 16: arithmetic, so a
    /// variable k (the tile's slice loop) costs a broadcast and an add instead of an indirect jump through a table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ScaleIndex(int k) => Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1) + Vector256.Create(2 * k);

    /// <summary>sum_g min_g * bsum_g of one activation block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float MinSum(Vector256<short> mins, byte* act) =>
        Avx2Ops.Sum(Avx2.MultiplyAddAdjacent(mins, Avx.LoadVector256((short*)(act + Q8Layout.Q8_KBsums))));

    /// <summary>16 signed scales -> the PrepareAvx2 format: each as int16 in both halves of an int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> Lo, Vector256<int> Hi) Pairs(Vector128<sbyte> scales)
    {
        var s = Avx2.ConvertToVector256Int16(scales);
        var a = Avx2.UnpackLow(s, s);
        var b = Avx2.UnpackHigh(s, s);
        return (Avx2.Permute2x128(a, b, 0x20).AsInt32(), Avx2.Permute2x128(a, b, 0x31).AsInt32());
    }

    /// <summary>8 per-32 values (one per byte of <paramref name="eight"/>) -> 16 per-group bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Duplicate(ulong eight)
    {
        var v = Vector128.CreateScalar(eight).AsByte();
        return Sse2.UnpackLow(v, v);
    }
}
