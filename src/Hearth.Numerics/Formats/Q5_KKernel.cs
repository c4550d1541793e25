using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q5_K (ggml-common.h block_q5_K, 176 bytes per 256 weights):
/// <c>@0 ggml_half d; @2 ggml_half dmin; @4 uint8 scales[12] (as Q4_K); @16 uint8 qh[32]; @48 uint8 qs[128]</c>.
/// Sub-block s: low 4 bits from qs[32*(s/2) + l] (low nibble for even s, high for odd), 5th bit = bit s of
/// qh[l]; weight = d * sc[s] * q - dmin * m[s]. Activations: Q8_K.
/// </summary>
internal sealed class Q5_KKernel() : WeightKernel(GgmlType.Q5_K, ActivationFormat.Q8_K)
{
    internal override unsafe void DequantizeCore(byte* w, float* dst, int n) => SuperBlock.Dequantize<Block>(w, dst, n);

    internal override bool HasVector128Dot => true;

    internal override unsafe float DotCore(KernelPath path, byte* w, byte* a, int n) => path switch
    {
        KernelPath.Avx2 when Avx2Ops.IsSupported => SuperBlock.DotAvx2<Block>(w, a, n),
        KernelPath.Vector128 when Vector128.IsHardwareAccelerated => SuperBlockVector128.Dot<Block>(w, a, n),
        _ => SuperBlock.DotScalar<Block>(w, a, n),
    };

    internal override unsafe void MatMulCore(KernelPath path, byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
    {
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
        {
            SuperBlock.MatMulAvx2<Block>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else
        {
            base.MatMulCore(path, w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
    }

    internal struct Block : ISuperBlock, IVector128SuperBlock
    {
        public static int Bytes => 176;

        public static bool Signed => false;


        public static int TileMaxQuant => 31;

        public static unsafe void Decode(byte* block, int* q, int* scales, int* mins, out float d, out float dmin)
        {
            d = Fp16.Read(block);
            dmin = Fp16.Read(block + 2);
            var qh = block + 16;
            var qs = block + 48;
            for (var s = 0; s < 8; s++)
            {
                Q4_KKernel.ScaleMin(s, block + 4, out var sc, out var m);
                scales[2 * s] = scales[2 * s + 1] = sc;
                mins[2 * s] = mins[2 * s + 1] = m;
                var src = qs + 32 * (s / 2);
                for (var l = 0; l < 32; l++)
                {
                    var low = (s & 1) == 0 ? src[l] & 0x0F : src[l] >> 4;
                    q[32 * s + l] = low | (((qh[l] >> s) & 1) << 4);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe (Vector256<int> Lo, Vector256<int> Hi) PrepareAvx2(byte* block, out Vector256<short> mins, out float d, out float dmin) =>
            Q4_KKernel.Block.PrepareAvx2(block, out mins, out d, out dmin);

        public static bool PreparesRowPairs => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void PrepareRowPairAvx2(
            byte* first, byte* second, int* scales0, int* scales1, int* minPairs0, int* minPairs1, out Vector256<float> d, out Vector256<float> dmin) =>
            Q4_KKernel.PrepareRowPair(first, second, scales0, scales1, minPairs0, minPairs1, out d, out dmin);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeAvx2(byte* block, int j)
        {
            var bits = Avx.LoadVector256(block + 48 + 32 * (j >> 1));
            var low = Vector256.ShiftRightLogical(bits.AsUInt16(), (4 * (j & 1))).AsByte() & Vector256.Create((byte)0x0F);
            var high = Vector256.ShiftRightLogical(Avx.LoadVector256(block + 16).AsUInt16(), j).AsByte() & Vector256.Create((byte)1);
            return low | Avx2.ShiftLeftLogical(high.AsUInt16(), 4).AsByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<sbyte> ScalesVector128(byte* block, out Vector128<sbyte> mins, out float d, out float dmin) =>
            Q4_KKernel.Block.ScalesVector128(block, out mins, out d, out dmin);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, int j, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var qs = block + 48 + 32 * (j >> 1);
            lo = Value(qs, block + 16, 4 * (j & 1), j);
            hi = Value(qs + 16, block + 32, 4 * (j & 1), j);

            // A nibble of qs, and bit j of qh as the 5th bit.
            static Vector128<sbyte> Value(byte* qs, byte* qh, int lowShift, int bit)
            {
                var low = Vector128.ShiftRightLogical(Vector128.Load(qs), lowShift) & Vector128.Create((byte)0x0F);
                var high = Vector128.ShiftRightLogical(Vector128.Load(qh), bit) & Vector128.Create((byte)1);
                return (low | (high << 4)).AsSByte();
            }
        }
    }
}
