using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// Q4_K (ggml-common.h block_q4_K, 144 bytes per 256 weights):
/// <c>@0 ggml_half d; @2 ggml_half dmin; @4 uint8 scales[12] (8 x 6-bit scale + 8 x 6-bit min, packed
/// as get_scale_min_k4); @16 uint8 qs[128]</c>. Sub-block s (32 weights) uses qs[32*(s/2) ..] low nibbles for
/// even s, high nibbles for odd s: weight = d * sc[s] * q - dmin * m[s]. Activations: Q8_K.
/// </summary>
internal sealed class Q4_KKernel() : WeightKernel(GgmlType.Q4_K, ActivationFormat.Q8_K)
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
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported && nAct == 1 && Avx512Ops.IsSupported)
        {
            // Generation: one activation row, the 512-bit row dot (bit-exact with the AVX2 one, fewer instructions).
            for (var r = r0; r < r1; r++)
            {
                output[r] = Q4_KRowDot512.Dot(w + r * wStride, a, n);
            }
        }
        else if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
        {
            SuperBlock.MatMulAvx2<Block>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else
        {
            base.MatMulCore(path, w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
    }

    /// <summary>get_scale_min_k4 (ggml-quants.c): 6-bit scale and min of sub-block j from the 12 packed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void ScaleMin(int j, byte* q, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = q[j] & 63;
            min = q[j + 4] & 63;
        }
        else
        {
            scale = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
            min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
        }
    }

    /// <summary>All 8 scales and 8 mins at once with 32-bit masks (same bits as <see cref="ScaleMin"/>):
    /// bytes 0..3 hold the low 6 bits of scales 0..3, 4..7 of mins 0..3; bytes 8..11 the low 4 bits of
    /// scales (low nibble) and mins (high nibble) 4..7, whose top 2 bits sit in bits 6..7 of bytes 0..7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe (ulong Scales, ulong Mins) Unpack(byte* q)
    {
        const uint kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
        var u0 = Unsafe.ReadUnaligned<uint>(q);
        var u1 = Unsafe.ReadUnaligned<uint>(q + 4);
        var u2 = Unsafe.ReadUnaligned<uint>(q + 8);
        var scalesHigh = (u2 & kmask2) | (((u0 >> 6) & kmask3) << 4);
        var minsHigh = ((u2 >> 4) & kmask2) | (((u1 >> 6) & kmask3) << 4);
        return ((u0 & kmask1) | ((ulong)scalesHigh << 32), (u1 & kmask1) | ((ulong)minsHigh << 32));
    }

    /// <summary>
    /// <see cref="ISuperBlock.PrepareRowPairAvx2"/> for the 12-byte scale packing Q4_K and Q5_K share (d at 0, dmin at
    /// 2, scales at 4): <see cref="Unpack"/>'s masks on both rows' bytes at once (one 128-bit lane each), which leaves
    /// per lane the bytes s0..s3, m0..m3, s4..s7, m4..m7; vpshufb then spreads them into the int16 pairs the tile reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void PrepareRowPair(
        byte* first, byte* second, int* scales0, int* scales1, int* minPairs0, int* minPairs1, out Vector256<float> d, out Vector256<float> dmin)
    {
        // Dwords u0, u1, u2 of the packed bytes (and 4 bytes of what follows them in the block, unused).
        var x = Vector256.Create(Sse2.LoadVector128(first + 4), Sse2.LoadVector128(second + 4)).AsUInt32();
        var a = Avx2.Shuffle(x, 0xA4);   // u0, u1, u2, u2
        var b = Avx2.Shuffle(x, 0x44);   // u0, u1, u0, u1
        var low = Avx2.ShiftRightLogicalVariable(a, Vector256.Create(0u, 0, 0, 4, 0, 0, 0, 4))
            & Vector256.Create(0x3F3F3F3Fu, 0x3F3F3F3F, 0x0F0F0F0F, 0x0F0F0F0F, 0x3F3F3F3F, 0x3F3F3F3F, 0x0F0F0F0F, 0x0F0F0F0F);
        // (u >> 6 & 3) << 4 per byte is (u >> 2) & 0x30: the top 2 bits of scales and mins 0..3 on top of 4..7.
        var high = Avx2.ShiftRightLogical(b, 2) & Vector256.Create(0u, 0, 0x30303030, 0x30303030, 0, 0, 0x30303030, 0x30303030);
        var r = (low | high).AsByte();   // per lane: s0..s3, m0..m3, s4..s7, m4..m7

        // Dword g of scales: scale of sub-block g / 2, zero-extended, in both int16 halves; dword k of mins likewise.
        StorePairs(Avx2.Shuffle(r, Spread(0, 0, 1, 1)), scales0, scales1);
        StorePairs(Avx2.Shuffle(r, Spread(2, 2, 3, 3)), scales0 + 4, scales1 + 4);
        StorePairs(Avx2.Shuffle(r, Spread(8, 8, 9, 9)), scales0 + 8, scales1 + 8);
        StorePairs(Avx2.Shuffle(r, Spread(10, 10, 11, 11)), scales0 + 12, scales1 + 12);
        StorePairs(Avx2.Shuffle(r, Spread(4, 5, 6, 7)), minPairs0, minPairs1);
        StorePairs(Avx2.Shuffle(r, Spread(12, 13, 14, 15)), minPairs0 + 4, minPairs1 + 4);
        d = Vector256.Create(Vector128.Create(Fp16.Read(first)), Vector128.Create(Fp16.Read(second)));
        dmin = Vector256.Create(Vector128.Create(Fp16.Read(first + 2)), Vector128.Create(Fp16.Read(second + 2)));
    }

    /// <summary>A vpshufb control that puts byte i_k into both bytes-0 of dword k's int16 halves (zero above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Spread(byte i0, byte i1, byte i2, byte i3)
    {
        const byte Z = 0x80;
        var lane = Vector128.Create(i0, Z, i0, Z, i1, Z, i1, Z, i2, Z, i2, Z, i3, Z, i3, Z);
        return Vector256.Create(lane, lane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StorePairs(Vector256<byte> v, int* first, int* second)
    {
        Sse2.Store((byte*)first, v.GetLower());
        Sse2.Store((byte*)second, v.GetUpper());
    }

    internal struct Block : ISuperBlock, IVector128SuperBlock
    {
        public static bool PreparesRowPairs => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void PrepareRowPairAvx2(
            byte* first, byte* second, int* scales0, int* scales1, int* minPairs0, int* minPairs1, out Vector256<float> d, out Vector256<float> dmin) =>
            PrepareRowPair(first, second, scales0, scales1, minPairs0, minPairs1, out d, out dmin);

        public static int Bytes => 144;

        public static bool Signed => false;


        public static int TileMaxQuant => 15;

        public static unsafe void Decode(byte* block, int* q, int* scales, int* mins, out float d, out float dmin)
        {
            d = Fp16.Read(block);
            dmin = Fp16.Read(block + 2);
            var qs = block + 16;
            for (var s = 0; s < 8; s++)
            {
                ScaleMin(s, block + 4, out var sc, out var m);
                scales[2 * s] = scales[2 * s + 1] = sc;
                mins[2 * s] = mins[2 * s + 1] = m;
                var src = qs + 32 * (s / 2);
                for (var l = 0; l < 32; l++)
                {
                    q[32 * s + l] = (s & 1) == 0 ? src[l] & 0x0F : src[l] >> 4;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe (Vector256<int> Lo, Vector256<int> Hi) PrepareAvx2(byte* block, out Vector256<short> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block);
            dmin = Fp16.Read(block + 2);
            var (scales, m) = Unpack(block + 4);
            mins = Avx2.ConvertToVector256Int16(SuperBlock.Duplicate(m));
            return SuperBlock.Pairs(SuperBlock.Duplicate(scales).AsSByte());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeAvx2(byte* block, int j)
        {
            var bits = Avx.LoadVector256(block + 16 + 32 * (j >> 1));
            return Vector256.ShiftRightLogical(bits.AsUInt16(), (4 * (j & 1))).AsByte() & Vector256.Create((byte)0x0F);
        }

        public static bool DecodesHalves => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeHalvesAvx2<TL>(byte* first, byte* second, int j, out Vector256<byte> low, out Vector256<byte> high)
            where TL : ILaneLayout
        {
            var qs = 16 + 32 * (j >> 1);
            low = Vector256.ShiftRightLogical(TL.Load(first, second, qs).AsUInt16(), 4 * (j & 1)).AsByte() & Vector256.Create((byte)0x0F);
            high = Vector256.ShiftRightLogical(TL.Load(first, second, qs + 16).AsUInt16(), 4 * (j & 1)).AsByte() & Vector256.Create((byte)0x0F);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<sbyte> ScalesVector128(byte* block, out Vector128<sbyte> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block);
            dmin = Fp16.Read(block + 2);
            var (scales, m) = Unpack(block + 4);
            mins = V128Ops.DuplicateBytes(m).AsSByte();
            return V128Ops.DuplicateBytes(scales).AsSByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, int j, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var qs = block + 16 + 32 * (j >> 1);
            var shift = 4 * (j & 1);
            lo = (Vector128.ShiftRightLogical(Vector128.Load(qs), shift) & Vector128.Create((byte)0x0F)).AsSByte();
            hi = (Vector128.ShiftRightLogical(Vector128.Load(qs + 16), shift) & Vector128.Create((byte)0x0F)).AsSByte();
        }
    }
}
