using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q5_0 (ggml-common.h block_q5_0, 22 bytes per 32 weights):
/// <c>@0 ggml_half d; @2 uint8 qh[4] (bit j = 5th bit of weight j, little-endian uint32); @6 uint8 qs[16]</c>.
/// Weight j (0..15) = d * (((qs[j] &amp; 0xF) | bit j &lt;&lt; 4) - 16); weight j + 16 uses qs[j] &gt;&gt; 4 and
/// bit j + 16. Activations: Q8_0.
/// </summary>
internal sealed class Q5_0Kernel() : WeightKernel(GgmlType.Q5_0, ActivationFormat.Q8_0)
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
        public static int Bytes => 22;

        public static unsafe void Decode(byte* block, sbyte* values)
        {
            var qh = Unsafe.ReadUnaligned<uint>(block + 2);
            var qs = block + 6;
            for (var j = 0; j < 16; j++)
            {
                values[j] = (sbyte)(((qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4)) - 16);
                values[j + 16] = (sbyte)(((qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4)) - 16);
            }
        }

        public static int Offset => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeUnsignedAvx2(byte* block) =>
            Avx2Ops.Nibbles32(block + 6) | (Avx2Ops.BitsToBytes(Unsafe.ReadUnaligned<uint>(block + 2)) & Vector256.Create((byte)0x10));

        // (nibble | 0xF0) read as int8 is nibble - 16: OR the high nibble in where the 5th bit is clear.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<sbyte> DecodeAvx2(byte* block)
        {
            var high = Vector256.AndNot(Vector256.Create((byte)0xF0), Avx2Ops.BitsToBytes(Unsafe.ReadUnaligned<uint>(block + 2)));
            return (Avx2Ops.Nibbles32(block + 6) | high).AsSByte();
        }

        // Same trick as DecodeAvx2: (nibble | 0xF0) as int8 is nibble - 16, for the values whose qh bit is clear.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var qh = Unsafe.ReadUnaligned<uint>(block + 2);
            var (low, high) = V128Ops.Nibbles(block + 6);
            lo = (low | Vector128.AndNot(Vector128.Create((byte)0xF0), V128Ops.BitsToBytes(qh))).AsSByte();
            hi = (high | Vector128.AndNot(Vector128.Create((byte)0xF0), V128Ops.BitsToBytes(qh >> 16))).AsSByte();
        }
    }
}
