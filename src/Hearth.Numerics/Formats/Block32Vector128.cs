using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>The portable 128-bit decoding of a 32-element block (signed and unsigned formats alike).
/// Kept apart from <see cref="ISignedBlock32"/> / <see cref="IUnsignedBlock32"/> so that a format opts in
/// to the <see cref="KernelPath.Vector128"/> tier by implementing it.</summary>
internal interface IVector128Block32
{
    /// <summary>Values 0..15 in <paramref name="lo"/> and 16..31 in <paramref name="hi"/> as int8: the
    /// signed formats' -128..127 directly, the unsigned formats' 0..31 because they fit.</summary>
    static abstract unsafe void DecodeVector128(byte* block, out Vector128<sbyte> lo, out Vector128<sbyte> hi);
}

/// <summary>Dots of the 32-element block formats on the <see cref="KernelPath.Vector128"/> tier, using
/// only cross-platform <see cref="Vector128"/> operations (SSE on x86 without AVX2, NEON on ARM).
/// Integer sums per block are exact; the f16 scales are applied per block in f32 as the AVX2 path does.</summary>
internal static class Block32Vector128
{
    /// <summary>Signed blocks with Q8_0 activations (block_q8_0: d @0, qs @2):
    /// sum_b d_w * d_a * sum(q_w * q_a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float Dot<T>(byte* w, byte* a, int n) where T : ISignedBlock32, IVector128Block32
    {
        var nb = n / 32;
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        var b = 0;

        // Two blocks per iteration: independent accumulators hide the convert / multiply latency.
        for (; b + 2 <= nb; b += 2, w += 2 * T.Bytes, a += 2 * Q8Layout.Q8_0Bytes)
        {
            var w1 = w + T.Bytes;
            var a1 = a + Q8Layout.Q8_0Bytes;
            acc0 += Vector128.ConvertToSingle(Block<T>(w, (sbyte*)(a + 2))) * Vector128.Create(Fp16.Read(w) * Fp16.Read(a));
            acc1 += Vector128.ConvertToSingle(Block<T>(w1, (sbyte*)(a1 + 2))) * Vector128.Create(Fp16.Read(w1) * Fp16.Read(a1));
        }

        if (b < nb)
        {
            acc0 += Vector128.ConvertToSingle(Block<T>(w, (sbyte*)(a + 2))) * Vector128.Create(Fp16.Read(w) * Fp16.Read(a));
        }

        return Vector128.Sum(acc0 + acc1);
    }

    /// <summary>Unsigned blocks (d @0, m @2) with Q8_1 activations (block_q8_1: d @0, s @2, qs @4):
    /// sum_b d_w * d_a * sum(q_w * q_a) + m_w * s_a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float DotU<T>(byte* w, byte* a, int n) where T : IUnsignedBlock32, IVector128Block32
    {
        var nb = n / 32;
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        var mins = 0f;
        var b = 0;
        for (; b + 2 <= nb; b += 2, w += 2 * T.Bytes, a += 2 * Q8Layout.Q8_1Bytes)
        {
            var w1 = w + T.Bytes;
            var a1 = a + Q8Layout.Q8_1Bytes;
            acc0 += Vector128.ConvertToSingle(Block<T>(w, (sbyte*)(a + 4))) * Vector128.Create(Fp16.Read(w) * Fp16.Read(a));
            acc1 += Vector128.ConvertToSingle(Block<T>(w1, (sbyte*)(a1 + 4))) * Vector128.Create(Fp16.Read(w1) * Fp16.Read(a1));
            mins += Fp16.Read(w + 2) * Fp16.Read(a + 2) + Fp16.Read(w1 + 2) * Fp16.Read(a1 + 2);
        }

        if (b < nb)
        {
            acc0 += Vector128.ConvertToSingle(Block<T>(w, (sbyte*)(a + 4))) * Vector128.Create(Fp16.Read(w) * Fp16.Read(a));
            mins += Fp16.Read(w + 2) * Fp16.Read(a + 2);
        }

        return Vector128.Sum(acc0 + acc1) + mins;
    }

    /// <summary>sum(q_w * q_a) of one block in 4 int32 lanes (at most 8 * 32512 each: exact in f32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<int> Block<T>(byte* w, sbyte* qa) where T : IVector128Block32
    {
        T.DecodeVector128(w, out var lo, out var hi);
        return V128Ops.DotActivation(lo, Vector128.Load(qa)) + V128Ops.DotActivation(hi, Vector128.Load(qa + 16));
    }
}
