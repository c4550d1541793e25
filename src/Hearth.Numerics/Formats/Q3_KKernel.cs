using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q3_K (ggml-common.h block_q3_K, 110 bytes per 256 weights):
/// <c>@0 uint8 hmask[32]; @32 uint8 qs[64]; @96 uint8 scales[12] (16 x 6-bit, packed as in
/// dequantize_row_q3_K); @108 ggml_half d</c>. Weight e (half h = e/128, k = (e%128)/32, l = e%32):
/// low 2 bits = (qs[32h + l] &gt;&gt; 2k) &amp; 3, minus 4 unless bit (4h + k) of hmask[l] is set;
/// weight = d * (scale[e/16] - 32) * q. Activations: Q8_K.
/// </summary>
internal sealed class Q3_KKernel() : WeightKernel(GgmlType.Q3_K, ActivationFormat.Q8_K)
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

    /// <summary>The 16 signed scales (value - 32), unpacked as dequantize_row_q3_K does with kmask1/kmask2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Scales(byte* packed, int* scales)
    {
        const uint kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
        var a0 = Unsafe.ReadUnaligned<uint>(packed);
        var a1 = Unsafe.ReadUnaligned<uint>(packed + 4);
        var tmp = Unsafe.ReadUnaligned<uint>(packed + 8);
        var aux = stackalloc uint[4];
        aux[0] = (a0 & kmask2) | (((tmp >> 0) & kmask1) << 4);
        aux[1] = (a1 & kmask2) | (((tmp >> 2) & kmask1) << 4);
        aux[2] = ((a0 >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
        aux[3] = ((a1 >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
        var bytes = (byte*)aux;
        for (var g = 0; g < 16; g++)
        {
            scales[g] = bytes[g] - 32;
        }
    }

    internal struct Block : ISuperBlock, IVector128SuperBlock
    {
        public static int Bytes => 110;

        public static bool Signed => true;


        public static int TileMaxQuant => 7;


        public static int TileBias => 4;

        public static unsafe void Decode(byte* block, int* q, int* scales, int* mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 108);
            dmin = 0f;
            Scales(block + 96, scales);
            for (var g = 0; g < 16; g++)
            {
                mins[g] = 0;
            }

            for (var e = 0; e < 256; e++)
            {
                int h = e / 128, k = e % 128 / 32, l = e % 32;
                var low = (block[32 + 32 * h + l] >> (2 * k)) & 3;
                var set = (block[l] & (1 << (4 * h + k))) != 0;
                q[e] = low - (set ? 0 : 4);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe (Vector256<int> Lo, Vector256<int> Hi) PrepareAvx2(byte* block, out Vector256<short> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 108);
            dmin = 0f;
            mins = Vector256<short>.Zero;
            var scales = stackalloc int[16];
            Scales(block + 96, scales);
            var packed = stackalloc sbyte[16];
            for (var g = 0; g < 16; g++)
            {
                packed[g] = (sbyte)scales[g];
            }

            return SuperBlock.Pairs(Sse2.LoadVector128(packed));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeAvx2(byte* block, int j)
        {
            int h = j >> 2, k = j & 3;
            var low = Vector256.ShiftRightLogical(Avx.LoadVector256(block + 32 + 32 * h).AsUInt16(), (2 * k)).AsByte() & Vector256.Create((byte)3);
            var high = Vector256.ShiftRightLogical(Avx.LoadVector256(block).AsUInt16(), (4 * h + k)).AsByte() & Vector256.Create((byte)1);
            return (low | Avx2.ShiftLeftLogical(high.AsUInt16(), 2).AsByte()) - Vector256.Create((byte)4);
        }

        // The kmask bit moves of Scales, four bytes per uint lane: a register instead of 16 scalar stores.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<sbyte> ScalesVector128(byte* block, out Vector128<sbyte> mins, out float d, out float dmin)
        {
            const uint kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
            d = Fp16.Read(block + 108);
            dmin = 0f;
            mins = Vector128<sbyte>.Zero;
            var a0 = Unsafe.ReadUnaligned<uint>(block + 96);
            var a1 = Unsafe.ReadUnaligned<uint>(block + 100);
            var tmp = Unsafe.ReadUnaligned<uint>(block + 104);
            var biased = Vector128.Create(
                (a0 & kmask2) | ((tmp & kmask1) << 4),
                (a1 & kmask2) | (((tmp >> 2) & kmask1) << 4),
                ((a0 >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4),
                ((a1 >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4));
            return (biased.AsByte() - Vector128.Create((byte)32)).AsSByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, int j, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            int h = j >> 2, k = j & 3;
            lo = Value(block + 32 + 32 * h, block, 2 * k, 4 * h + k);
            hi = Value(block + 48 + 32 * h, block + 16, 2 * k, 4 * h + k);

            // Low 2 bits from qs, plus 4 where the hmask bit is set, minus 4.
            static Vector128<sbyte> Value(byte* qs, byte* hmask, int lowShift, int highShift)
            {
                var low = Vector128.ShiftRightLogical(Vector128.Load(qs), lowShift) & Vector128.Create((byte)3);
                var high = Vector128.ShiftRightLogical(Vector128.Load(hmask), highShift) & Vector128.Create((byte)1);
                return ((low | (high << 2)) - Vector128.Create((byte)4)).AsSByte();
            }
        }
    }
}
