using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hearth.Numerics.Simd;

/// <summary>Portable 128-bit building blocks (SSE / NEON through Vector128).</summary>
internal static class V128Ops
{
    /// <summary>8 halves -> 2 x 4 floats, exact (same integer trick as the AVX2 path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> Lower, Vector128<float> Upper) HalfToFloat(Vector128<ushort> h) =>
        (Widen(Vector128.WidenLower(h)), Widen(Vector128.WidenUpper(h)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Widen(Vector128<uint> x)
    {
        var magnitude = (x & Vector128.Create(0x7FFFu)) << 13;
        var scaled = magnitude.AsSingle() * Vector128.Create(5.192296858534828e33f);
        var infNan = Vector128.GreaterThan(magnitude, Vector128.Create(0x0F7FFFFFu));
        var special = (magnitude | Vector128.Create(0x7F800000u)).AsSingle();
        var value = Vector128.ConditionalSelect(infNan.AsSingle(), special, scaled);
        return (value.AsUInt32() | ((x & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Sum of 16 int8 x int8 products into 4 int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot(Vector128<sbyte> x, Vector128<sbyte> y)
    {
        var lo = Vector128.WidenLower(x) * Vector128.WidenLower(y);
        var hi = Vector128.WidenUpper(x) * Vector128.WidenUpper(y);
        return Vector128.WidenLower(lo) + Vector128.WidenUpper(lo) + Vector128.WidenLower(hi) + Vector128.WidenUpper(hi);
    }

    /// <summary>Sum of 16 int8 x int8 products into 4 int32 lanes, pairing lane i with lane i + 8 in
    /// int16 first: one widening to int32 fewer than <see cref="Dot"/>. The pair sums stay within int16
    /// while |x| &lt;= 128 and |y| &lt;= 127, which 8-bit activations guarantee (q8_0 / q8_1 / q8_K
    /// quantize to -127..127), like the AVX2 path's vpmaddubsw bound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> DotActivation(Vector128<sbyte> x, Vector128<sbyte> y)
    {
        var pairs = Vector128.WidenLower(x) * Vector128.WidenLower(y) + Vector128.WidenUpper(x) * Vector128.WidenUpper(y);
        return Vector128.WidenLower(pairs) + Vector128.WidenUpper(pairs);
    }

    /// <summary>The 32 four-bit values of 16 bytes: low nibbles (elements 0..15 of a ggml 32-block) and
    /// high nibbles (elements 16..31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe (Vector128<byte> Low, Vector128<byte> High) Nibbles(byte* p)
    {
        var bytes = Vector128.Load(p);
        return (bytes & Vector128.Create((byte)0x0F), Vector128.ShiftRightLogical(bytes, 4));
    }

    /// <summary>The low 16 bits of <paramref name="bits"/> as 16 bytes, 0xFF where the bit is set (the
    /// reference's bytes_from_bits_32, half of it). Multiplying spreads each source byte over 8 lanes,
    /// so the expansion needs no byte shuffle, only operations every Vector128 target has.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> BitsToBytes(uint bits)
    {
        const ulong everyByte = 0x0101010101010101UL;
        var spread = Vector128.Create((bits & 0xFF) * everyByte, ((bits >> 8) & 0xFF) * everyByte).AsByte();
        var select = Vector128.Create(0x8040201008040201UL).AsByte();
        return Vector128.Equals(spread & select, select);
    }

    /// <summary>8 bytes -> 16 bytes, each repeated twice: per-32-value scales of the k-quants expanded to
    /// the per-16-value groups the generic super-block dot walks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> DuplicateBytes(ulong eight)
    {
        var wide = Vector128.WidenLower(Vector128.CreateScalar(eight).AsByte());
        return (wide | (wide << 8)).AsByte();
    }
}
