using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q8_0 (ggml-common.h block_q8_0, 34 bytes per 32 weights): <c>@0 ggml_half d; @2 int8 qs[32]</c>.
/// Weight j = d * qs[j]. Activations: Q8_0.
/// </summary>
internal sealed class Q8_0Kernel() : WeightKernel(GgmlType.Q8_0, ActivationFormat.Q8_0)
{
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

    internal struct Block : ISignedBlock32, IVector128Block32
    {
        public static int Bytes => 34;

        public static unsafe void Decode(byte* block, sbyte* values)
        {
            for (var j = 0; j < 32; j++)
            {
                values[j] = ((sbyte*)(block + 2))[j];
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<sbyte> DecodeAvx2(byte* block) => Avx.LoadVector256((sbyte*)(block + 2));

        public static bool DecodesHalves => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeHalvesAvx2(byte* block, out Vector256<byte> low, out Vector256<byte> high)
        {
            low = Avx2.BroadcastVector128ToVector256(block + 2);
            high = Avx2.BroadcastVector128ToVector256(block + 18);
        }

        public static bool DecodesRowPairs => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeRowPairAvx2(byte* first, byte* second, out Vector256<byte> low, out Vector256<byte> high)
        {
            low = Vector256.Create(Sse2.LoadVector128(first + 2), Sse2.LoadVector128(second + 2));
            high = Vector256.Create(Sse2.LoadVector128(first + 18), Sse2.LoadVector128(second + 18));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            lo = Vector128.Load((sbyte*)(block + 2));
            hi = Vector128.Load((sbyte*)(block + 18));
        }
    }
}
