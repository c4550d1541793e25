using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q6_K (ggml-common.h block_q6_K, 210 bytes per 256 weights):
/// <c>@0 uint8 ql[128]; @128 uint8 qh[64]; @192 int8 scales[16]; @208 ggml_half d</c>.
/// Weight e (half h = e/128, k = (e%128)/32, l = e%32): low 4 bits from ql[64h + 32(k&amp;1) + l] (low nibble
/// for k &lt; 2, high for k &gt;= 2), high 2 bits = (qh[32h + l] &gt;&gt; 2k) &amp; 3; weight = d * scales[e/16] * (q - 32).
/// Activations: Q8_K.
/// </summary>
internal sealed class Q6_KKernel() : WeightKernel(GgmlType.Q6_K, ActivationFormat.Q8_K)
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
        public static bool PreparesRowPairs => true;

        /// <summary>Both rows' 16 int8 scales (one 128-bit lane each) spread by vpshufb into the high byte of int16
        /// pairs and sign-extended by an arithmetic shift: by 8 for the scales, by 3 for the bias mins
        /// (32 * scale: <see cref="TileBias"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void PrepareRowPairAvx2(
            byte* first, byte* second, int* scales0, int* scales1, int* minPairs0, int* minPairs1, out Vector256<float> d, out Vector256<float> dmin)
        {
            var s = Vector256.Create(Sse2.LoadVector128(first + 192), Sse2.LoadVector128(second + 192));
            Store(Spread(s, HighBytes(0, 0, 1, 1, 2, 2, 3, 3), 8), scales0, scales1);
            Store(Spread(s, HighBytes(4, 4, 5, 5, 6, 6, 7, 7), 8), scales0 + 4, scales1 + 4);
            Store(Spread(s, HighBytes(8, 8, 9, 9, 10, 10, 11, 11), 8), scales0 + 8, scales1 + 8);
            Store(Spread(s, HighBytes(12, 12, 13, 13, 14, 14, 15, 15), 8), scales0 + 12, scales1 + 12);
            Store(Spread(s, HighBytes(0, 1, 2, 3, 4, 5, 6, 7), 3), minPairs0, minPairs1);
            Store(Spread(s, HighBytes(8, 9, 10, 11, 12, 13, 14, 15), 3), minPairs0 + 4, minPairs1 + 4);
            d = Vector256.Create(Vector128.Create(Fp16.Read(first + 208)), Vector128.Create(Fp16.Read(second + 208)));
            dmin = d;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<short> Spread(Vector256<byte> scales, Vector256<byte> control, [ConstantExpected] byte shift) =>
            Avx2.ShiftRightArithmetic(Avx2.Shuffle(scales, control).AsInt16(), shift);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void Store(Vector256<short> pairs, int* first, int* second)
        {
            Sse2.Store((short*)first, pairs.GetLower());
            Sse2.Store((short*)second, pairs.GetUpper());
        }

        /// <summary>A vpshufb control putting byte i_k into the high byte of int16 k (low bytes zero), in both lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> HighBytes(byte i0, byte i1, byte i2, byte i3, byte i4, byte i5, byte i6, byte i7)
        {
            const byte Z = 0x80;
            var lane = Vector128.Create(Z, i0, Z, i1, Z, i2, Z, i3, Z, i4, Z, i5, Z, i6, Z, i7);
            return Vector256.Create(lane, lane);
        }

        public static int Bytes => 210;

        public static bool Signed => true;


        public static int TileMaxQuant => 63;


        public static int TileBias => 32;

        public static unsafe void Decode(byte* block, int* q, int* scales, int* mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 208);
            dmin = 0f;
            for (var g = 0; g < 16; g++)
            {
                scales[g] = ((sbyte*)(block + 192))[g];
                mins[g] = 0;
            }

            for (var e = 0; e < 256; e++)
            {
                int h = e / 128, k = e % 128 / 32, l = e % 32;
                var lowByte = block[64 * h + 32 * (k & 1) + l];
                var low = k < 2 ? lowByte & 0x0F : lowByte >> 4;
                var high = (block[128 + 32 * h + l] >> (2 * k)) & 3;
                q[e] = (low | (high << 4)) - 32;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe (Vector256<int> Lo, Vector256<int> Hi) PrepareAvx2(byte* block, out Vector256<short> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 208);
            dmin = 0f;
            mins = Vector256<short>.Zero;
            return SuperBlock.Pairs(Sse2.LoadVector128((sbyte*)(block + 192)));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeAvx2(byte* block, int j)
        {
            int h = j >> 2, k = j & 3;
            var lowBits = Avx.LoadVector256(block + 64 * h + 32 * (k & 1));
            var low = Vector256.ShiftRightLogical(lowBits.AsUInt16(), (4 * (k >> 1))).AsByte() & Vector256.Create((byte)0x0F);
            var highBits = Vector256.ShiftRightLogical(Avx.LoadVector256(block + 128 + 32 * h).AsUInt16(), (2 * k)).AsByte() & Vector256.Create((byte)3);
            return (low | Avx2.ShiftLeftLogical(highBits.AsUInt16(), 4).AsByte()) - Vector256.Create((byte)32);
        }

        public static bool DecodesHalves => true;

        /// <summary>The stored 6-bit values (q + 32): a nibble of ql, and qh's 2 bits moved to bits 4..5 by 16-bit
        /// shifts (bits crossing into the neighbouring byte land outside the 0x30 mask).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeHalvesAvx2<TL>(byte* first, byte* second, int j, out Vector256<byte> low, out Vector256<byte> high)
            where TL : ILaneLayout
        {
            int h = j >> 2, k = j & 3;
            var ql = 64 * h + 32 * (k & 1);
            var qh = 128 + 32 * h;
            low = Half<TL>(first, second, ql, qh, k);
            high = Half<TL>(first, second, ql + 16, qh + 16, k);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe Vector256<byte> Half<TL>(byte* first, byte* second, int ql, int qh, int k)
            where TL : ILaneLayout
        {
            var nibbles = Vector256.ShiftRightLogical(TL.Load(first, second, ql).AsUInt16(), 4 * (k >> 1)).AsByte() & Vector256.Create((byte)0x0F);
            var top = Vector256.ShiftLeft(Vector256.ShiftRightLogical(TL.Load(first, second, qh).AsUInt16(), 2 * k), 4);
            return nibbles | (top.AsByte() & Vector256.Create((byte)0x30));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<sbyte> ScalesVector128(byte* block, out Vector128<sbyte> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block + 208);
            dmin = 0f;
            mins = Vector128<sbyte>.Zero;
            return Vector128.Load((sbyte*)(block + 192));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, int j, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            int h = j >> 2, k = j & 3;
            var ql = block + 64 * h + 32 * (k & 1);
            var qh = block + 128 + 32 * h;
            lo = Value(ql, qh, 4 * (k >> 1), 2 * k);
            hi = Value(ql + 16, qh + 16, 4 * (k >> 1), 2 * k);

            // A nibble of ql, 2 bits of qh above it, minus 32.
            static Vector128<sbyte> Value(byte* ql, byte* qh, int lowShift, int highShift)
            {
                var low = Vector128.ShiftRightLogical(Vector128.Load(ql), lowShift) & Vector128.Create((byte)0x0F);
                var high = Vector128.ShiftRightLogical(Vector128.Load(qh), highShift) & Vector128.Create((byte)3);
                return ((low | (high << 4)) - Vector128.Create((byte)32)).AsSByte();
            }
        }
    }
}
