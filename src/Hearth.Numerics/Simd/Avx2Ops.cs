using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Numerics.Simd;

/// <summary>AVX2 building blocks shared by the kernels (callers check <see cref="Avx2.IsSupported"/>).</summary>
internal static class Avx2Ops
{
    /// <summary>AVX2 and FMA both present (every AVX2 kernel needs both).</summary>
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Sum of 32 int8 x int8 products into 8 int32 lanes. AVX2 only multiplies unsigned x signed
    /// bytes (vpmaddubsw), so the sign of <paramref name="x"/> moves onto <paramref name="y"/> first
    /// (the reference's mul_sum_i8_pairs_float). Pair sums cannot saturate while |x| &lt;= 128, |y| &lt;= 127.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotSigned(Vector256<sbyte> x, Vector256<sbyte> y)
    {
        var ax = Avx2.Sign(x, x).AsByte();
        var sy = Avx2.Sign(y, x);
        return DotUnsigned(ax, sy);
    }

    /// <summary>Sum of 32 uint8 x int8 products into 8 int32 lanes (x must keep pair sums within int16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotUnsigned(Vector256<byte> x, Vector256<sbyte> y)
    {
        var pairs = Avx2.MultiplyAddAdjacent(x, y);
        return Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
    }

    /// <summary>Four bytes repeated across a register: one vpbroadcastd load, which needs no shuffle unit (the
    /// weight-major tiles broadcast every activation's 4 bytes this way).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<sbyte> BroadcastDword(byte* p) => Vector256.Create(Unsafe.ReadUnaligned<int>(p)).AsSByte();

    /// <summary>32 four-bit values from 16 bytes: low nibbles first (elements 0..15), then high nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<byte> Nibbles32(byte* p)
    {
        var bytes = Sse2.LoadVector128(p);
        var high = Sse2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte();
        return Vector256.Create(bytes, high) & Vector256.Create((byte)0x0F);
    }

    /// <summary>Expands 32 bits to 32 bytes: 0xFF where the bit is set (the reference's bytes_from_bits_32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> BitsToBytes(uint bits)
    {
        var spread = Avx2.Shuffle(Vector256.Create(bits).AsByte(), Vector256.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var select = Vector256.Create(0x8040201008040201UL).AsByte();
        return Avx2.CompareEqual(spread & select, select);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v)
    {
        var s = v.GetLower() + v.GetUpper();
        s += Sse.MoveHighToLow(s, s);
        s += Sse3.MoveHighAndDuplicate(s);
        return s.ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector256<int> v) => Vector256.Sum(v);

    /// <summary>8 halves -> 8 floats with integer ops (exact, incl. subnormals, inf and NaN); the
    /// runtime exposes no F16C conversion intrinsic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToFloat(Vector128<ushort> h)
    {
        var x = Avx2.ConvertToVector256Int32(h);
        var magnitude = Avx2.ShiftLeftLogical(x & Vector256.Create(0x7FFF), 13);
        var scaled = magnitude.AsSingle() * Vector256.Create(5.192296858534828e33f);
        var infNan = Avx2.CompareGreaterThan(magnitude, Vector256.Create(0x0F7FFFFF));
        var special = (magnitude | Vector256.Create(0x7F800000)).AsSingle();
        var value = Avx.BlendVariable(scaled, special, infNan.AsSingle());
        return (value.AsInt32() | Avx2.ShiftLeftLogical(x & Vector256.Create(0x8000), 16)).AsSingle();
    }

    /// <summary>8 bfloat16 -> 8 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> BFloatToFloat(Vector128<ushort> b) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(b), 16).AsSingle();
}
