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
}
