using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Numerics.Simd;

/// <summary>
/// The few AVX-512 (F + BW) operations the 512-bit tiles use. Kernels run on them in production only when
/// <see cref="IsSupported"/> (the JIT then folds every check below to the single instruction). On a machine
/// without AVX-512 each operation is carried out on the two 256-bit halves with the AVX2 instruction of the same
/// semantics, so the 512-bit tile code (layout, lane bookkeeping, tails) is tested against its scalar twin on any
/// AVX2 machine; only the instruction encoding itself needs AVX-512 hardware.
/// <para>
/// .NET 10 exposes no intrinsic for AVX512_VNNI's vpdpbusd on 512-bit registers (only the VEX form in
/// <see cref="AvxVnni"/> and AVX10.2's int8 VNNI), so the 512-bit product is vpmaddubsw + vpmaddwd as on AVX2.
/// </para>
/// </summary>
internal static class Avx512Ops
{
    /// <summary>AVX-512 F and BW in hardware (and not disabled with DOTNET_EnableAVX512=0; .NET 10 ignores the older DOTNET_EnableAVX512F).</summary>
    public static bool IsSupported => Avx512F.IsSupported && Avx512BW.IsSupported;

    /// <summary>True where the operations can run at all: natively, or emulated on AVX2 halves.</summary>
    public static bool CanRun => IsSupported || Avx2Ops.IsSupported;

    /// <summary>vpmaddubsw: adjacent u8 x s8 products summed in pairs into saturated int16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> MultiplyAddAdjacent(Vector512<byte> x, Vector512<sbyte> y) =>
        IsSupported
            ? Avx512BW.MultiplyAddAdjacent(x, y)
            : Vector512.Create(Avx2.MultiplyAddAdjacent(x.GetLower(), y.GetLower()), Avx2.MultiplyAddAdjacent(x.GetUpper(), y.GetUpper()));

    /// <summary>vpmaddwd: adjacent int16 products summed in pairs into int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> MultiplyAddAdjacent(Vector512<short> x, Vector512<short> y) =>
        IsSupported
            ? Avx512BW.MultiplyAddAdjacent(x, y)
            : Vector512.Create(Avx2.MultiplyAddAdjacent(x.GetLower(), y.GetLower()), Avx2.MultiplyAddAdjacent(x.GetUpper(), y.GetUpper()));

    /// <summary>vpaddw (wrapping int16 add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Add(Vector512<short> x, Vector512<short> y) =>
        IsSupported ? Avx512BW.Add(x, y) : Vector512.Create(Avx2.Add(x.GetLower(), y.GetLower()), Avx2.Add(x.GetUpper(), y.GetUpper()));

    /// <summary>vpaddd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Add(Vector512<int> x, Vector512<int> y) =>
        IsSupported ? Avx512F.Add(x, y) : Vector512.Create(Avx2.Add(x.GetLower(), y.GetLower()), Avx2.Add(x.GetUpper(), y.GetUpper()));

    /// <summary>vpshufd: the same dword shuffle inside every 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Shuffle(Vector512<uint> x, [ConstantExpected] byte control) =>
        IsSupported ? Avx512F.Shuffle(x, control) : Vector512.Create(Avx2.Shuffle(x.GetLower(), control), Avx2.Shuffle(x.GetUpper(), control));

    /// <summary>|x| per signed byte (vpabsb).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Abs(Vector512<sbyte> x) =>
        IsSupported ? Avx512BW.Abs(x) : Vector512.Create(Avx2.Abs(x.GetLower()), Avx2.Abs(x.GetUpper()));

    /// <summary>y with its sign flipped where <paramref name="sign"/> is negative (AVX-512 has no vpsignb):
    /// (y ^ m) - m with m = 0xFF in those bytes. Bytes where the sign source is zero keep y, which is harmless
    /// because the magnitude multiplied with them is zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<sbyte> ApplySign(Vector512<sbyte> y, Vector512<sbyte> sign)
    {
        if (IsSupported)
        {
            var m = Avx512BW.CompareLessThan(sign, Vector512<sbyte>.Zero);
            return Avx512BW.Subtract(Avx512F.Xor(y, m), m);
        }

        return Vector512.Create(Avx2.Sign(y.GetLower(), Or1(sign.GetLower())), Avx2.Sign(y.GetUpper(), Or1(sign.GetUpper())));

        // vpsignb zeroes where the sign source is zero; the AVX-512 form keeps y there, so emulate that exactly.
        static Vector256<sbyte> Or1(Vector256<sbyte> s) => Avx2.Or(s, Vector256.Create((sbyte)1));
    }

    /// <summary>int32 to f32 (vcvtdq2ps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ConvertToSingle(Vector512<int> x) =>
        IsSupported ? Avx512F.ConvertToVector512Single(x) : Vector512.Create(Avx.ConvertToVector256Single(x.GetLower()), Avx.ConvertToVector256Single(x.GetUpper()));

    /// <summary>a * b + c, fused (vfmadd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        IsSupported
            ? Avx512F.FusedMultiplyAdd(a, b, c)
            : Vector512.Create(Fma.MultiplyAdd(a.GetLower(), b.GetLower(), c.GetLower()), Fma.MultiplyAdd(a.GetUpper(), b.GetUpper(), c.GetUpper()));

    /// <summary>a * b (vmulps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) =>
        IsSupported ? Avx512F.Multiply(a, b) : Vector512.Create(Avx.Multiply(a.GetLower(), b.GetLower()), Avx.Multiply(a.GetUpper(), b.GetUpper()));

    /// <summary>a + b (vaddps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) =>
        IsSupported ? Avx512F.Add(a, b) : Vector512.Create(Avx.Add(a.GetLower(), b.GetLower()), Avx.Add(a.GetUpper(), b.GetUpper()));

    /// <summary>The same 32 bytes in both 256-bit halves (vbroadcasti64x4 from memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<sbyte> LoadTwice(sbyte* p)
    {
        var v = Avx.LoadVector256(p);
        return Vector512.Create(v, v);
    }

    /// <summary>The same 8 floats in both 256-bit halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> LoadTwice(float* p)
    {
        var v = Avx.LoadVector256(p);
        return Vector512.Create(v, v);
    }
}
