using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q4_0 (ggml-common.h block_q4_0, 18 bytes per 32 weights):
/// <c>@0 ggml_half d; @2 uint8 qs[16]</c>. Weight j (0..15) = d * ((qs[j] &amp; 0xF) - 8),
/// weight j + 16 = d * ((qs[j] &gt;&gt; 4) - 8). Activations: Q8_0.
/// </summary>
internal sealed class Q4_0Kernel() : WeightKernel(GgmlType.Q4_0, ActivationFormat.Q8_0)
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
        public static int Bytes => 18;

        public static unsafe void Decode(byte* block, sbyte* values)
        {
            var qs = block + 2;
            for (var j = 0; j < 16; j++)
            {
                values[j] = (sbyte)((qs[j] & 0x0F) - 8);
                values[j + 16] = (sbyte)((qs[j] >> 4) - 8);
            }
        }

        public static int Offset => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<sbyte> DecodeAvx2(byte* block) =>
            (Avx2Ops.Nibbles32(block + 2) - Vector256.Create((byte)8)).AsSByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeUnsignedAvx2(byte* block) => Avx2Ops.Nibbles32(block + 2);

        public static bool DecodesHalves => true;

        // qs[j] holds weights j (low nibble) and j + 16 (high nibble): one 16-byte broadcast serves both halves.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeHalvesAvx2(byte* block, out Vector256<byte> low, out Vector256<byte> high)
        {
            var qs = Avx2.BroadcastVector128ToVector256(block + 2);
            low = qs & Vector256.Create((byte)0x0F);
            high = Avx2.ShiftRightLogical(qs.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F);
        }

        public static bool DecodesRowPairs => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeRowPairAvx2(byte* first, byte* second, out Vector256<byte> low, out Vector256<byte> high)
        {
            var qs = Vector256.Create(Sse2.LoadVector128(first + 2), Sse2.LoadVector128(second + 2));
            low = qs & Vector256.Create((byte)0x0F);
            high = Avx2.ShiftRightLogical(qs.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var (low, high) = V128Ops.Nibbles(block + 2);
            lo = (low - Vector128.Create((byte)8)).AsSByte();
            hi = (high - Vector128.Create((byte)8)).AsSByte();
        }
    }
}
