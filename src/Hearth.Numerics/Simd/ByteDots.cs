using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Numerics.Simd;

/// <summary>How a tile turns u8 x s8 products into int32 lanes, as a type so the JIT compiles one loop per way.</summary>
internal interface IByteDots
{
    /// <summary>True when every product should be accumulated into int32 at once (vpdpbusd); false when the tile
    /// sums several vpmaddubsw results in int16 first and widens once.</summary>
    static abstract bool Widens { get; }

    /// <summary><paramref name="acc"/> + the sums of each 4 adjacent u8 x s8 products, per int32 lane.</summary>
    static abstract Vector256<int> Add(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s);
}

/// <summary>AVX2: vpmaddubsw + vpmaddwd (the tiles sum in 16 bits where that cannot overflow).</summary>
internal readonly struct PairDots : IByteDots
{
    public static bool Widens => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) => acc + Avx2Ops.DotUnsigned(u, s);
}

/// <summary>
/// AVX-VNNI (VEX vpdpbusd: Alder Lake and later, Sapphire Rapids, Zen 4 and 5): one instruction per 32 products
/// instead of three, and it does not saturate where vpmaddubsw does (the VNNI weight-major tile relies on that: its
/// unsigned bytes reach 255). Without AVX-VNNI the same integers are computed with AVX2 by widening each byte to 16
/// bits first, so tests check every tile's VNNI form on any AVX2 machine.
/// </summary>
internal readonly struct VnniDots : IByteDots
{
    public static bool Widens => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.IsSupported ? AvxVnni.MultiplyWideningAndAdd(acc, u, s) : acc + Exact(u, s);

    /// <summary>vpdpbusd's sums without saturation: even and odd bytes widened to int16 (u zero-, s sign-extended),
    /// then two vpmaddwd.</summary>
    private static Vector256<int> Exact(Vector256<byte> u, Vector256<sbyte> s)
    {
        var uEven = u.AsInt16() & Vector256.Create((short)0xFF);
        var uOdd = Avx2.ShiftRightLogical(u.AsInt16(), 8);
        var sEven = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(s.AsInt16(), 8), 8);
        var sOdd = Avx2.ShiftRightArithmetic(s.AsInt16(), 8);
        return Avx2.MultiplyAddAdjacent(uEven, sEven) + Avx2.MultiplyAddAdjacent(uOdd, sOdd);
    }
}
