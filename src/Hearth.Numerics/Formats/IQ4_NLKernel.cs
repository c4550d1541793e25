using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// IQ4_NL (ggml-common.h block_iq4_nl, 18 bytes per 32 weights): <c>@0 ggml_half d; @2 uint8 qs[16]</c>,
/// like Q4_0 but each nibble indexes the non-linear table kvalues_iq4nl: weight j = d * K[qs[j] &amp; 0xF],
/// weight j + 16 = d * K[qs[j] &gt;&gt; 4]. Activations: Q8_0.
/// </summary>
internal sealed class IQ4_NLKernel() : WeightKernel(GgmlType.IQ4_NL, ActivationFormat.Q8_0)
{
    /// <summary>kvalues_iq4nl (ggml-common.h).</summary>
    internal static ReadOnlySpan<sbyte> Values => [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

    internal override unsafe void DequantizeCore(byte* w, float* dst, int n) => Block32.DequantizeSigned<Block>(w, dst, n);

    internal override bool HasVector128Dot => true;

    internal override unsafe float DotCore(KernelPath path, byte* w, byte* a, int n) => path switch
    {
        KernelPath.Avx2 when Avx2Ops.IsSupported => Block32.DotAvx2<Block>(w, a, n),
        KernelPath.Vector128 when Vector128.IsHardwareAccelerated => Block32Vector128.Dot<Block>(w, a, n),
        _ => Block32.DotScalar<Block>(w, a, n),
    };

    internal override unsafe void MatMulCore(KernelPath path, byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
    {
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
        {
            Block32.MatMulAvx2<Block>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else
        {
            base.MatMulCore(path, w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
    }

    /// <summary>The table twice (one copy per 128-bit lane) for vpshufb lookups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<sbyte> TableAvx2() => Vector256.Create(
        (sbyte)-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
        -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);

    /// <summary>kvalues_iq4nl as one register: a nibble indexes it directly (always in range, so the
    /// platform's native byte shuffle, pshufb / tbl, needs no out-of-range fix-up).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<sbyte> TableVector128() => Vector128.Create(
        (sbyte)-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);

    internal struct Block : ISignedBlock32, IVector128Block32
    {
        public static int Bytes => 18;

        public static unsafe void Decode(byte* block, sbyte* values)
        {
            var qs = block + 2;
            for (var j = 0; j < 16; j++)
            {
                values[j] = Values[qs[j] & 0x0F];
                values[j + 16] = Values[qs[j] >> 4];
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<sbyte> DecodeAvx2(byte* block) =>
            Avx2.Shuffle(TableAvx2(), Avx2Ops.Nibbles32(block + 2).AsSByte());

        public static bool DecodesHalves => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeHalvesAvx2(byte* block, out Vector256<byte> low, out Vector256<byte> high)
        {
            var qs = Avx2.BroadcastVector128ToVector256(block + 2);
            low = Avx2.Shuffle(TableAvx2(), (qs & Vector256.Create((byte)0x0F)).AsSByte()).AsByte();
            high = Avx2.Shuffle(TableAvx2(), (Avx2.ShiftRightLogical(qs.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F)).AsSByte()).AsByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var (low, high) = V128Ops.Nibbles(block + 2);
            lo = Vector128.ShuffleNative(TableVector128(), low.AsSByte());
            hi = Vector128.ShuffleNative(TableVector128(), high.AsSByte());
        }
    }
}
