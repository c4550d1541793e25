using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q2_K (ggml-common.h block_q2_K, 84 bytes per 256 weights):
/// <c>@0 uint8 scales[16] (low nibble scale, high nibble min, per 16 weights); @16 uint8 qs[64];
/// @80 ggml_half d; @82 ggml_half dmin</c>. Weight e (half h = e/128, k = (e%128)/32, l = e%32):
/// q = (qs[32h + l] &gt;&gt; 2k) &amp; 3; weight = d * (scales[e/16] &amp; 0xF) * q - dmin * (scales[e/16] &gt;&gt; 4).
/// Activations: Q8_K.
/// </summary>
internal sealed class Q2_KKernel() : WeightKernel(GgmlType.Q2_K, ActivationFormat.Q8_K)
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
        public static int Bytes => 84;

        public static bool Signed => false;


        public static int TileMaxQuant => 3;

        public static unsafe void Decode(byte* block, int* q, int* scales, int* mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 80);
            dmin = Fp16.Read(block + 82);
            for (var g = 0; g < 16; g++)
            {
                scales[g] = block[g] & 0x0F;
                mins[g] = block[g] >> 4;
            }

            for (var e = 0; e < 256; e++)
            {
                int h = e / 128, k = e % 128 / 32, l = e % 32;
                q[e] = (block[16 + 32 * h + l] >> (2 * k)) & 3;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe (Vector256<int> Lo, Vector256<int> Hi) PrepareAvx2(byte* block, out Vector256<short> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 80);
            dmin = Fp16.Read(block + 82);
            var packed = Sse2.LoadVector128(block);
            mins = Avx2.ConvertToVector256Int16(Sse2.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F));
            return SuperBlock.Pairs((packed & Vector128.Create((byte)0x0F)).AsSByte());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeAvx2(byte* block, int j) =>
            Vector256.ShiftRightLogical(Avx.LoadVector256(block + 16 + 32 * (j >> 2)).AsUInt16(), (2 * (j & 3))).AsByte() & Vector256.Create((byte)3);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<sbyte> ScalesVector128(byte* block, out Vector128<sbyte> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 80);
            dmin = Fp16.Read(block + 82);
            var packed = Vector128.Load(block);
            mins = Vector128.ShiftRightLogical(packed, 4).AsSByte();
            return (packed & Vector128.Create((byte)0x0F)).AsSByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, int j, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var qs = block + 16 + 32 * (j >> 2);
            var shift = 2 * (j & 3);
            lo = (Vector128.ShiftRightLogical(Vector128.Load(qs), shift) & Vector128.Create((byte)3)).AsSByte();
            hi = (Vector128.ShiftRightLogical(Vector128.Load(qs + 16), shift) & Vector128.Create((byte)3)).AsSByte();
        }
    }
}
