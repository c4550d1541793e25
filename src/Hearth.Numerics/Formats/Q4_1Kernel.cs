using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q4_1 (ggml-common.h block_q4_1, 20 bytes per 32 weights): <c>@0 ggml_half d; @2 ggml_half m; @4 uint8 qs[16]</c>.
/// Weight j (0..15) = d * (qs[j] &amp; 0xF) + m, weight j + 16 = d * (qs[j] &gt;&gt; 4) + m. Activations: Q8_1
/// (their s = d * sum(q) carries the offset term).
/// </summary>
internal sealed class Q4_1Kernel() : WeightKernel(GgmlType.Q4_1, ActivationFormat.Q8_1)
{
    internal override unsafe void DequantizeCore(byte* w, float* dst, int n) => Block32.DequantizeUnsigned<Block>(w, dst, n);

    internal override bool HasVector128Dot => true;

    internal override unsafe float DotCore(KernelPath path, byte* w, byte* a, int n) => path switch
    {
        KernelPath.Avx2 when Avx2Ops.IsSupported => Block32.DotAvx2U<Block>(w, a, n),
        KernelPath.Vector128 when Vector128.IsHardwareAccelerated => Block32Vector128.DotU<Block>(w, a, n),
        _ => Block32.DotScalarU<Block>(w, a, n),
    };

    internal override unsafe void MatMulCore(KernelPath path, byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
    {
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
        {
            Block32.MatMulAvx2U<Block>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else
        {
            base.MatMulCore(path, w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
    }

    internal struct Block : IUnsignedBlock32, IVector128Block32
    {
        public static int Bytes => 20;

        public static unsafe void Decode(byte* block, byte* values)
        {
            var qs = block + 4;
            for (var j = 0; j < 16; j++)
            {
                values[j] = (byte)(qs[j] & 0x0F);
                values[j + 16] = (byte)(qs[j] >> 4);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeAvx2(byte* block) => Avx2Ops.Nibbles32(block + 4);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var (low, high) = V128Ops.Nibbles(block + 4);
            lo = low.AsSByte();
            hi = high.AsSByte();
        }
    }
}
