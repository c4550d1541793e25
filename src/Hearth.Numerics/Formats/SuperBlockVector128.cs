using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>The portable 128-bit decoding of a 256-element super-block, in the 16-groups-of-16 form of
/// <see cref="ISuperBlock"/>. A format opts in to the <see cref="KernelPath.Vector128"/> tier by
/// implementing it.</summary>
internal interface IVector128SuperBlock
{
    /// <summary>The 16 group scales and mins as int8 (every format's fit: Q2_K 0..15, Q3_K and IQ4_XS
    /// -32..31, Q4_K and Q5_K 0..63, Q6_K int8; mins zero where the format has none), with d and dmin
    /// as <see cref="ISuperBlock.Decode"/> returns them.</summary>
    static abstract unsafe Vector128<sbyte> ScalesVector128(byte* block, out Vector128<sbyte> mins, out float d, out float dmin);

    /// <summary>Values 32j .. 32j + 15 (group 2j) in <paramref name="lo"/> and 32j + 16 .. 32j + 31
    /// (group 2j + 1) in <paramref name="hi"/>, as int8.</summary>
    static abstract unsafe void DecodeVector128(byte* block, int j, out Vector128<sbyte> lo, out Vector128<sbyte> hi);
}

/// <summary>Dots of the super-block formats with Q8_K activations on the <see cref="KernelPath.Vector128"/>
/// tier, using only cross-platform <see cref="Vector128"/> operations. The integer sums are exact and
/// the floats are combined in the scalar reference's order, so results equal <see cref="SuperBlock.DotScalar"/>.</summary>
internal static class SuperBlockVector128
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float Dot<T>(byte* w, byte* a, int n) where T : ISuperBlock, IVector128SuperBlock
    {
        // Group scales as int32 in memory: broadcasting one from there is a single load on every target,
        // unlike extracting a lane from a register.
        var scales = stackalloc int[16];
        var sum = 0f;
        for (var b = 0; b < n / 256; b++, w += T.Bytes, a += Q8Layout.Q8_KBytes)
        {
            var packed = T.ScalesVector128(w, out var mins, out var d, out var dmin);
            var lower = Vector128.WidenLower(packed);
            var upper = Vector128.WidenUpper(packed);
            Vector128.Store(Vector128.WidenLower(lower), scales);
            Vector128.Store(Vector128.WidenUpper(lower), scales + 4);
            Vector128.Store(Vector128.WidenLower(upper), scales + 8);
            Vector128.Store(Vector128.WidenUpper(upper), scales + 12);
            var qa = (sbyte*)(a + Q8Layout.Q8_KQs);

            // Unrolled so that every slice index is a constant: the decoders' shifts become immediates.
            // Two chains for latency. |scale * q| <= 4096 in every format (Q6_K: 128 * 32, IQ4_XS: 32 * 127),
            // so even the whole super-block, 256 * 4096 * 127, stays within int32.
            var acc0 = Slice<T>(w, qa, scales, 0) + Slice<T>(w, qa, scales, 1);
            var acc1 = Slice<T>(w, qa, scales, 2) + Slice<T>(w, qa, scales, 3);
            acc0 += Slice<T>(w, qa, scales, 4) + Slice<T>(w, qa, scales, 5);
            acc1 += Slice<T>(w, qa, scales, 6) + Slice<T>(w, qa, scales, 7);
            var isum = Vector128.Sum(acc0 + acc1);
            var msum = dmin != 0f ? MinSum(mins, a) : 0;
            var da = Unsafe.ReadUnaligned<float>(a);
            sum += da * d * isum - da * dmin * msum;
        }

        return sum;
    }

    /// <summary>scale_2j * sum(q * q_a) over group 2j plus the same for group 2j + 1, in 4 int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<int> Slice<T>(byte* w, sbyte* qa, int* scales, int j) where T : IVector128SuperBlock
    {
        T.DecodeVector128(w, j, out var lo, out var hi);
        return V128Ops.DotActivation(lo, Vector128.Load(qa + 32 * j)) * Vector128.Create(scales[2 * j])
            + V128Ops.DotActivation(hi, Vector128.Load(qa + 32 * j + 16)) * Vector128.Create(scales[2 * j + 1]);
    }

    /// <summary>sum_g min_g * bsum_g with block_q8_K's int16 bsums[16] (@260): in int32, as the products
    /// (up to 63 * 16 * 127) overflow int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int MinSum(Vector128<sbyte> mins, byte* act)
    {
        var bsums = (short*)(act + Q8Layout.Q8_KBsums);
        var m0 = Vector128.WidenLower(mins);
        var m1 = Vector128.WidenUpper(mins);
        var b0 = Vector128.Load(bsums);
        var b1 = Vector128.Load(bsums + 8);
        var p = Vector128.WidenLower(m0) * Vector128.WidenLower(b0) + Vector128.WidenUpper(m0) * Vector128.WidenUpper(b0)
            + Vector128.WidenLower(m1) * Vector128.WidenLower(b1) + Vector128.WidenUpper(m1) * Vector128.WidenUpper(b1);
        return Vector128.Sum(p);
    }
}
