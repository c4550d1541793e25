using System.Runtime.InteropServices;
using Hearth.Gguf;

namespace Hearth.Numerics.Tests;

/// <summary>
/// F16 and BF16 weights meet activations rounded to the weight's own format first, as the reference does (ggml-cpu
/// type_traits_cpu: vec_dot_type of F16 is F16, of BF16 is BF16; the row goes through ggml_cpu_fp32_to_fp16 /
/// ggml_compute_fp32_to_bf16), and products are summed in f32. These tests pin the rounding bit for bit and prove
/// that every kernel tier multiplies the rounded values, not the f32 ones.
/// </summary>
public class SixteenBitActivationRoundingTests
{
    public static TheoryData<GgmlType> SixteenBitTypes => new([GgmlType.F16, GgmlType.BF16]);

    /// <summary>ggml_compute_fp32_to_bf16 (ggml-impl.h) at its edges: ties go to even, NaN keeps its upper bits and
    /// is forced quiet with bit 6 (0x40), overflow rounds to infinity.</summary>
    [Theory]
    [InlineData(0x3F808000u, (ushort)0x3F80)]   // 1 + 2^-8: a tie, mantissa even -> down
    [InlineData(0x3F818000u, (ushort)0x3F82)]   // 1 + 3*2^-8: a tie, mantissa odd -> up to even
    [InlineData(0x3F808001u, (ushort)0x3F81)]   // just above the tie -> up
    [InlineData(0x3F807FFFu, (ushort)0x3F80)]   // just below the tie -> down
    [InlineData(0xBF818000u, (ushort)0xBF82)]   // sign does not change the rounding
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)]   // largest float rounds up to +inf
    [InlineData(0x7F800000u, (ushort)0x7F80)]   // +inf stays
    [InlineData(0xFF800000u, (ushort)0xFF80)]   // -inf stays
    [InlineData(0x7F800001u, (ushort)0x7FC0)]   // signalling NaN, payload only in the low half: quiet bit forced
    [InlineData(0xFF800001u, (ushort)0xFFC0)]   // negative NaN keeps its sign
    [InlineData(0x7FA0FFFFu, (ushort)0x7FE0)]   // NaN is truncated, not rounded (rounding would carry)
    [InlineData(0x7FC00000u, (ushort)0x7FC0)]   // quiet NaN stays
    [InlineData(0x00018000u, (ushort)0x0002)]   // subnormal tie, odd -> up (no flush to zero)
    [InlineData(0x80000000u, (ushort)0x8000)]   // -0 keeps its sign
    public void BF16_activations_round_as_ggml_compute_fp32_to_bf16(uint floatBits, ushort expected)
    {
        var dst = new byte[2];
        ActivationQuantizer.Quantize(ActivationFormat.BF16, [BitConverter.UInt32BitsToSingle(floatBits)], dst);
        Assert.Equal(expected, BitConverter.ToUInt16(dst));
    }

    [Fact]
    public void BF16_rounding_matches_the_reference_formula_over_random_bit_patterns()
    {
        // Every float class (random bits: normals, subnormals, inf, NaN) against the reference's expression.
        var rng = new Random(77);
        var x = new float[4096];
        var bits = new uint[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            bits[i] = (uint)rng.NextInt64(0, 1L << 32);
            x[i] = BitConverter.UInt32BitsToSingle(bits[i]);
        }

        var dst = new byte[x.Length * 2];
        ActivationQuantizer.Quantize(ActivationFormat.BF16, x, dst);
        var got = MemoryMarshal.Cast<byte, ushort>(dst);
        for (var i = 0; i < x.Length; i++)
        {
            var u = bits[i];
            var expected = (u & 0x7FFFFFFF) > 0x7F800000 ? (ushort)((u >> 16) | 64) : (ushort)((u + (0x7FFF + ((u >> 16) & 1))) >> 16);
            Assert.True(expected == got[i], $"0x{u:X8}: 0x{got[i]:X4}, reference 0x{expected:X4}");
        }
    }

    /// <summary>
    /// A crafted row whose activations all sit exactly on or next to a rounding tie of the weight's format: the
    /// result must be the exact sum of weight x rounded activation, on every tier and in both the per-pair dot and
    /// the matrix tiles (lengths with vector tails included). The values are small multiples of a power of two, so
    /// every partial sum is exact in f32 and the summation order cannot hide or fake a difference.
    /// </summary>
    [Theory]
    [MemberData(nameof(SixteenBitTypes))]
    public void Kernels_multiply_the_rounded_activations_on_every_tier(GgmlType type)
    {
        var kernel = WeightKernels.For(type);
        // Half an ulp at 1.0: 2^-11 for F16 (10 mantissa bits), 2^-8 for BF16 (7 mantissa bits).
        var halfUlp = type == GgmlType.F16 ? 1f / 2048 : 1f / 256;
        foreach (var n in new[] { 1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 256 })
        {
            var weights = new float[n];
            var acts = new float[n];
            for (var i = 0; i < n; i++)
            {
                weights[i] = (i % 3) switch { 0 => 1f, 1 => -2f, _ => 0.5f };
                // Odd multiples of half an ulp above 1 (ties) and ties plus a quarter ulp (round up).
                acts[i] = 1f + ((2 * (i % 5)) + 1) * halfUlp + (i % 2 == 0 ? 0f : halfUlp / 2);
            }

            var rounded = acts.Select(a => Round(type, a)).ToArray();
            var exact = 0.0;
            var unrounded = 0.0;
            for (var i = 0; i < n; i++)
            {
                exact += (double)weights[i] * rounded[i];
                unrounded += (double)weights[i] * acts[i];
            }

            Assert.NotEqual(exact, unrounded);   // the crafted input tells the two apart
            var w = Encode(type, weights);
            var a = new byte[kernel.ActivationRowBytes(n)];
            ActivationQuantizer.Quantize(kernel.Activation, acts, a);
            const int nAct = 5;
            var aTile = new byte[nAct * a.Length];
            for (var t = 0; t < nAct; t++)
            {
                a.CopyTo(aTile, t * a.Length);
            }

            foreach (var path in WeightKernels.AvailablePaths)
            {
                Assert.Equal((float)exact, kernel.DotWith(path, w, a, n));
                var output = new float[nAct];
                kernel.MatMulWith(path, w, w.Length, 0, 1, aTile, a.Length, nAct, n, output, 1);
                Assert.All(output, o => Assert.Equal((float)exact, o));
            }
        }
    }

    /// <summary>
    /// The AVX2 tier sums in the order of the reference's matrix product for these types on AVX-512 (llamafile
    /// sgemm.cpp tinyBLAS&lt;16, __m512&gt;: one 16-lane fused multiply-add accumulator over k, then
    /// _mm512_reduce_add_ps). Of the reference's orders this one gives the smallest deviation from the
    /// reference logits of llama-spm-bf16 (BF16 0.0172; one 8-lane accumulator, the AVX2 build's order, 0.0220;
    /// the AVX512-BF16 build's vdpbf16ps pairs, 0.0203). Products of two 8- or 11-bit significands are exact in f32,
    /// so only the order of the additions matters and the emulation below is exact.
    /// </summary>
    [Theory]
    [MemberData(nameof(SixteenBitTypes))]
    public void Avx2_tier_sums_in_the_reference_avx512_sgemm_order(GgmlType type)
    {
        if (!WeightKernels.AvailablePaths.Contains(KernelPath.Avx2))
        {
            return;   // CI's run with AVX2 off: the tier does not exist, the other tests cover the remaining tiers
        }

        var kernel = WeightKernels.For(type);
        var rng = new Random(5 + (int)type);
        foreach (var n in new[] { 16, 32, 48, 256, 768, 1024 })
        {
            var weights = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
            var acts = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 8) - 4)).ToArray();
            var w = Encode(type, weights);
            var a = new byte[kernel.ActivationRowBytes(n)];
            ActivationQuantizer.Quantize(kernel.Activation, acts, a);
            var wv = weights.Select(v => Round(type, v)).ToArray();
            var av = acts.Select(v => Round(type, v)).ToArray();

            var lanes = new float[16];
            for (var i = 0; i < n; i++)
            {
                lanes[i % 16] += wv[i] * av[i];   // exact product, one rounding per addition, as the FMA
            }

            var t = new float[8];
            for (var j = 0; j < 8; j++)
            {
                t[j] = lanes[j + 8] + lanes[j];
            }

            var u = new float[4];
            for (var j = 0; j < 4; j++)
            {
                u[j] = t[j + 4] + t[j];
            }

            var expected = (u[0] + u[2]) + (u[1] + u[3]);
            Assert.Equal(expected, kernel.DotWith(KernelPath.Avx2, w, a, n));
            var output = new float[2];
            var aTile = a.Concat(a).ToArray();
            kernel.MatMulWith(KernelPath.Avx2, w, w.Length, 0, 1, aTile, a.Length, 2, n, output, 1);
            Assert.Equal(expected, output[0]);
            Assert.Equal(expected, output[1]);
        }
    }

    private static float Round(GgmlType type, float value)
    {
        var bytes = new byte[2];
        ActivationQuantizer.Quantize(type == GgmlType.F16 ? ActivationFormat.F16 : ActivationFormat.BF16, [value], bytes);
        return type == GgmlType.F16
            ? (float)BitConverter.ToHalf(bytes)
            : BitConverter.UInt32BitsToSingle((uint)BitConverter.ToUInt16(bytes) << 16);
    }

    // Weight rows in the weight's own format (the same rounding: the values used here are exact in both formats).
    private static byte[] Encode(GgmlType type, float[] values)
    {
        var bytes = new byte[values.Length * 2];
        ActivationQuantizer.Quantize(type == GgmlType.F16 ? ActivationFormat.F16 : ActivationFormat.BF16, values, bytes);
        return bytes;
    }
}
