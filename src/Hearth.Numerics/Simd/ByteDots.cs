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
/// AVX-VNNI (VEX vpdpbusd: Alder Lake and later, Sapphire Rapids, Zen 5): one instruction per 32 products instead of
/// three. It does not saturate where vpmaddubsw does, but the tiles' operands (|q_w| &lt;= 31 unsigned or 128
/// as magnitude, |q_a| &lt;= 127) never reach vpmaddubsw's int16 limit, so both give the same integers; without
/// AVX-VNNI the same sums are computed with AVX2 so tests check this form's tile code on any AVX2 machine.
/// </summary>
internal readonly struct VnniDots : IByteDots
{
    public static bool Widens => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.IsSupported ? AvxVnni.MultiplyWideningAndAdd(acc, u, s) : acc + Avx2Ops.DotUnsigned(u, s);
}
