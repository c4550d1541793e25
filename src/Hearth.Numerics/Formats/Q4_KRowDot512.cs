using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q4_K weight row · one Q8_K activation row with 512-bit registers: the generation path of Q4_K (attention,
/// qwen3moe's expert gate/up). Each 512-bit step takes both
/// nibble halves of 32 packed bytes (sub-blocks 2k and 2k + 1) against 64 activations, so a super-block is 4 steps
/// instead of 8, with each sub-block's scale picked by one in-lane byte shuffle. Measured on the bench machine (AMD
/// EPYC, one core, 192 x 1024 rows as a qwen3moe-2b expert): from L2 32 -> 27 ns per row; streaming from DRAM
/// 43 -> 40 ns (memory-bound there; a software prefetch 0.5-2 KiB ahead did not help).
/// <para>
/// Bit-exact with the AVX2 dot: the per-lane integer sums are the same integers (only added in another order), the
/// two 256-bit halves fold into the AVX2 dot's 8 lanes before the float multiply-add, and the mins and the final
/// reduction are the same float operations in the same order.
/// </para>
/// <para>
/// Production calls it only where <see cref="Avx512Ops.IsSupported"/>; elsewhere the 512-bit operations run on
/// 256-bit halves (slow, exact), so the tests check the layout on any AVX2 machine.
/// </para>
/// </summary>
internal static class Q4_KRowDot512
{
    private const int BlockBytes = 144;

    // Static readonly: constants in tier-1 code (building them per call cost more than the dot).
    private static readonly Vector512<byte> Pick0 = Pick(0), Pick1 = Pick(1), Pick2 = Pick(2), Pick3 = Pick(3);

    public static unsafe float Dot(byte* w, byte* a, int n)
    {
        var acc = Vector256<float>.Zero;
        var minAcc = 0f;
        var mask = Vector512.Create((byte)0x0F);
        for (var b = 0; b < n / 256; b++, w += BlockBytes, a += Q8Layout.Q8_KBytes)
        {
            var d = Fp16.Read(w);
            var dmin = Fp16.Read(w + 2);
            var (scales, mins) = Q4_KKernel.Unpack(w + 4);

            // The 8 sub-block scales as int16 in every 128-bit lane: one vpshufb per step picks its pair.
            var s16 = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(scales).AsByte()).AsByte();
            var s256 = Vector256.Create(s16, s16);
            var all = Vector512.Create(s256, s256);
            var qa = (sbyte*)(a + Q8Layout.Q8_KQs);
            var sum = Step(w + 16, qa, ShuffleBytes(all, Pick0), mask);
            sum = Avx512Ops.Add(sum, Step(w + 48, qa + 64, ShuffleBytes(all, Pick1), mask));
            sum = Avx512Ops.Add(sum, Step(w + 80, qa + 128, ShuffleBytes(all, Pick2), mask));
            sum = Avx512Ops.Add(sum, Step(w + 112, qa + 192, ShuffleBytes(all, Pick3), mask));
            var s = Avx2.Add(sum.GetLower(), sum.GetUpper());

            var da = Unsafe.ReadUnaligned<float>(a);
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s), Vector256.Create(d * da), acc);
            if (dmin != 0f)
            {
                var m = Avx2.ConvertToVector256Int16(SuperBlock.Duplicate(mins));
                minAcc += dmin * da * Avx2Ops.Sum(Avx2.MultiplyAddAdjacent(m, Avx.LoadVector256((short*)(a + Q8Layout.Q8_KBsums))));
            }
        }

        return Avx2Ops.Sum(acc) - minAcc;
    }

    /// <summary>Sub-blocks 2k (low nibbles of the 32 bytes, low half) and 2k + 1 (high nibbles, high half) times their
    /// 64 activations and scales: 16 int32 lanes, each the AVX2 dot's lane of the same sub-block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> Step(byte* qs, sbyte* qa, Vector512<byte> scale, Vector512<byte> mask)
    {
        var bits = Avx.LoadVector256(qs);
        var q = Vector512.Create(bits, Avx2.ShiftRightLogical(bits.AsUInt16(), 4).AsByte()) & mask;
        var products = Avx512Ops.MultiplyAddAdjacent(q, Vector512.Load(qa));
        return Avx512Ops.MultiplyAddAdjacent(products, scale.AsInt16());
    }

    /// <summary>vpshufb control: int16 scale 2k in every int16 of the low 256 bits, scale 2k + 1 in the high 256.</summary>
    private static Vector512<byte> Pick(int k)
    {
        var low = Vector128.Create((byte)(4 * k), (byte)((4 * k) + 1), (byte)(4 * k), (byte)((4 * k) + 1),
            (byte)(4 * k), (byte)((4 * k) + 1), (byte)(4 * k), (byte)((4 * k) + 1),
            (byte)(4 * k), (byte)((4 * k) + 1), (byte)(4 * k), (byte)((4 * k) + 1),
            (byte)(4 * k), (byte)((4 * k) + 1), (byte)(4 * k), (byte)((4 * k) + 1));
        var high = low + Vector128.Create((byte)2);
        return Vector512.Create(Vector256.Create(low, low), Vector256.Create(high, high));
    }

    /// <summary>vpshufb on 512 bits (in-lane byte shuffle), or on its 256-bit halves without AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> ShuffleBytes(Vector512<byte> x, Vector512<byte> control) =>
        Avx512Ops.IsSupported
            ? Avx512BW.Shuffle(x, control)
            : Vector512.Create(Avx2.Shuffle(x.GetLower(), control.GetLower()), Avx2.Shuffle(x.GetUpper(), control.GetUpper()));
}
