using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>A 32-element weight block whose values decode to signed int8 times one f16 scale
/// (Q4_0, Q5_0, Q8_0, IQ4_NL): dotted with Q8_0 activations as d_w * d_a * sum(q_w * q_a).</summary>
internal interface ISignedBlock32
{
    static abstract int Bytes { get; }

    /// <summary>The 32 values as int8 (scalar reference decoding, straight from the block layout).</summary>
    static abstract unsafe void Decode(byte* block, sbyte* values);

    /// <summary>The same 32 values in one AVX2 register.</summary>
    static abstract unsafe Vector256<sbyte> DecodeAvx2(byte* block);

    /// <summary>Non-zero when the values are stored as unsigned quants minus this offset (Q4_0: 8, Q5_0: 16);
    /// the matrix product then multiplies <see cref="DecodeUnsignedAvx2"/> directly and corrects per block.</summary>
    static virtual int Offset => 0;

    /// <summary>The stored unsigned quants (values + <see cref="Offset"/>); only called when the offset is non-zero.</summary>
    static virtual unsafe Vector256<byte> DecodeUnsignedAvx2(byte* block) => throw new NotSupportedException();

    /// <summary>True when <see cref="DecodeHalvesAvx2"/> is implemented (cheaper than decoding then permuting).</summary>
    static virtual bool DecodesHalves => false;

    /// <summary>Elements 0..15 repeated in both 128-bit lanes (<paramref name="low"/>) and 16..31 likewise
    /// (<paramref name="high"/>): unsigned quants for offset formats, signed values otherwise.</summary>
    static virtual unsafe void DecodeHalvesAvx2(byte* block, out Vector256<byte> low, out Vector256<byte> high) =>
        throw new NotSupportedException();

    /// <summary>True when <see cref="DecodeRowPairAvx2"/> is implemented (enables the two-rows-in-lanes small-batch tile).</summary>
    static virtual bool DecodesRowPairs => false;

    /// <summary>Two blocks (of two weight rows) side by side: elements 0..15 of <paramref name="first"/> in the low
    /// 128-bit lane and of <paramref name="second"/> in the high one (<paramref name="low"/>), 16..31 likewise
    /// (<paramref name="high"/>); unsigned quants for offset formats, signed values otherwise.</summary>
    static virtual unsafe void DecodeRowPairAvx2(byte* first, byte* second, out Vector256<byte> low, out Vector256<byte> high) =>
        throw new NotSupportedException();
}

/// <summary>A 32-element block decoding to unsigned values with scale d and offset m (Q4_1, Q5_1):
/// x = d * q + m, dotted with Q8_1 activations as d_w * d_a * sum(q_w * q_a) + m_w * s_a.</summary>
internal interface IUnsignedBlock32
{
    static abstract int Bytes { get; }

    static abstract unsafe void Decode(byte* block, byte* values);

    static abstract unsafe Vector256<byte> DecodeAvx2(byte* block);
}

/// <summary>Dot and tiled matrix product drivers shared by the 32-element block formats. The scale d
/// is the block's first field in every one of them (ggml-common.h).</summary>
internal static class Block32
{
    /// <summary>Activation rows per register tile of the matrix product: each decoded weight block meets
    /// this many activation blocks while it sits in registers.</summary>
    public const int TileRows = 4;

    public static unsafe float DotScalar<T>(byte* w, byte* a, int n) where T : ISignedBlock32
    {
        var values = stackalloc sbyte[32];
        var sum = 0f;
        for (var b = 0; b < n / 32; b++, w += T.Bytes, a += Q8Layout.Q8_0Bytes)
        {
            T.Decode(w, values);
            var qa = (sbyte*)(a + 2);
            var isum = 0;
            for (var j = 0; j < 32; j++)
            {
                isum += values[j] * qa[j];
            }

            sum += Fp16.Read(w) * Fp16.Read(a) * isum;
        }

        return sum;
    }

    public static unsafe float DotScalarU<T>(byte* w, byte* a, int n) where T : IUnsignedBlock32
    {
        var values = stackalloc byte[32];
        var sum = 0f;
        for (var b = 0; b < n / 32; b++, w += T.Bytes, a += Q8Layout.Q8_1Bytes)
        {
            T.Decode(w, values);
            var qa = (sbyte*)(a + 4);
            var isum = 0;
            for (var j = 0; j < 32; j++)
            {
                isum += values[j] * qa[j];
            }

            sum += Fp16.Read(w) * Fp16.Read(a) * isum + Fp16.Read(w + 2) * Fp16.Read(a + 2);
        }

        return sum;
    }

    public static unsafe void DequantizeSigned<T>(byte* w, float* dst, int n) where T : ISignedBlock32
    {
        var values = stackalloc sbyte[32];
        for (var b = 0; b < n / 32; b++, w += T.Bytes, dst += 32)
        {
            T.Decode(w, values);
            var d = Fp16.Read(w);
            for (var j = 0; j < 32; j++)
            {
                dst[j] = d * values[j];
            }
        }
    }

    public static unsafe void DequantizeUnsigned<T>(byte* w, float* dst, int n) where T : IUnsignedBlock32
    {
        var values = stackalloc byte[32];
        for (var b = 0; b < n / 32; b++, w += T.Bytes, dst += 32)
        {
            T.Decode(w, values);
            var d = Fp16.Read(w);
            var m = Fp16.Read(w + 2);
            for (var j = 0; j < 32; j++)
            {
                dst[j] = d * values[j] + m;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float DotAvx2<T>(byte* w, byte* a, int n) where T : ISignedBlock32
    {
        var nb = n / 32;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var b = 0;
        for (; b + 2 <= nb; b += 2, w += 2 * T.Bytes, a += 2 * Q8Layout.Q8_0Bytes)
        {
            var p0 = Avx2Ops.DotSigned(T.DecodeAvx2(w), Avx.LoadVector256((sbyte*)(a + 2)));
            var p1 = Avx2Ops.DotSigned(T.DecodeAvx2(w + T.Bytes), Avx.LoadVector256((sbyte*)(a + Q8Layout.Q8_0Bytes + 2)));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(Fp16.Read(w) * Fp16.Read(a)), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(Fp16.Read(w + T.Bytes) * Fp16.Read(a + Q8Layout.Q8_0Bytes)), acc1);
        }

        if (b < nb)
        {
            var p0 = Avx2Ops.DotSigned(T.DecodeAvx2(w), Avx.LoadVector256((sbyte*)(a + 2)));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(Fp16.Read(w) * Fp16.Read(a)), acc0);
        }

        return Avx2Ops.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe float DotAvx2U<T>(byte* w, byte* a, int n) where T : IUnsignedBlock32
    {
        var nb = n / 32;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var mins = 0f;
        var b = 0;
        for (; b + 2 <= nb; b += 2, w += 2 * T.Bytes, a += 2 * Q8Layout.Q8_1Bytes)
        {
            var w1 = w + T.Bytes;
            var a1 = a + Q8Layout.Q8_1Bytes;
            var p0 = Avx2Ops.DotUnsigned(T.DecodeAvx2(w), Avx.LoadVector256((sbyte*)(a + 4)));
            var p1 = Avx2Ops.DotUnsigned(T.DecodeAvx2(w1), Avx.LoadVector256((sbyte*)(a1 + 4)));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(Fp16.Read(w) * Fp16.Read(a)), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p1), Vector256.Create(Fp16.Read(w1) * Fp16.Read(a1)), acc1);
            mins += Fp16.Read(w + 2) * Fp16.Read(a + 2) + Fp16.Read(w1 + 2) * Fp16.Read(a1 + 2);
        }

        if (b < nb)
        {
            var p0 = Avx2Ops.DotUnsigned(T.DecodeAvx2(w), Avx.LoadVector256((sbyte*)(a + 4)));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(p0), Vector256.Create(Fp16.Read(w) * Fp16.Read(a)), acc0);
            mins += Fp16.Read(w + 2) * Fp16.Read(a + 2);
        }

        return Avx2Ops.Sum(acc0 + acc1) + mins;
    }

    /// <summary>Tiled product for signed blocks (<see cref="SignedTileProduct"/>).</summary>
    public static unsafe void MatMulAvx2<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32 =>
        SignedTileProduct.MatMulAvx2<T>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);

    /// <summary>Tiled product for unsigned blocks with offsets (Q4_1, Q5_1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MatMulAvx2U<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : IUnsignedBlock32
    {
        var nb = n / 32;
        var i = 0;
        for (; i + TileRows <= nAct; i += TileRows)
        {
            var a0 = a + (long)i * aStride;
            var a1 = a0 + aStride;
            var a2 = a1 + aStride;
            var a3 = a2 + aStride;
            for (var r = r0; r < r1; r++)
            {
                var wb = w + r * wStride;
                var acc0 = Vector256<float>.Zero;
                var acc1 = Vector256<float>.Zero;
                var acc2 = Vector256<float>.Zero;
                var acc3 = Vector256<float>.Zero;
                var mins = Vector128<float>.Zero;
                for (long b = 0, o = 0; b < nb; b++, wb += T.Bytes, o += Q8Layout.Q8_1Bytes)
                {
                    var q = T.DecodeAvx2(wb);
                    var d = Fp16.Read(wb);
                    acc0 = Tile(q, a0 + o, d, acc0);
                    acc1 = Tile(q, a1 + o, d, acc1);
                    acc2 = Tile(q, a2 + o, d, acc2);
                    acc3 = Tile(q, a3 + o, d, acc3);
                    var s = Vector128.Create(Fp16.Read(a0 + o + 2), Fp16.Read(a1 + o + 2), Fp16.Read(a2 + o + 2), Fp16.Read(a3 + o + 2));
                    mins = Fma.MultiplyAdd(s, Vector128.Create(Fp16.Read(wb + 2)), mins);
                }

                var col = output + (long)i * outputStride + r;
                col[0] = Avx2Ops.Sum(acc0) + mins.GetElement(0);
                col[outputStride] = Avx2Ops.Sum(acc1) + mins.GetElement(1);
                col[2L * outputStride] = Avx2Ops.Sum(acc2) + mins.GetElement(2);
                col[3L * outputStride] = Avx2Ops.Sum(acc3) + mins.GetElement(3);
            }
        }

        for (; i < nAct; i++)
        {
            for (var r = r0; r < r1; r++)
            {
                output[(long)i * outputStride + r] = DotAvx2U<T>(w + r * wStride, a + (long)i * aStride, n);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<float> Tile(Vector256<byte> q, byte* act, float d, Vector256<float> acc)
        {
            var p = Avx2Ops.DotUnsigned(q, Avx.LoadVector256((sbyte*)(act + 4)));
            return Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), Vector256.Create(d * Fp16.Read(act)), acc);
        }
    }
}
