using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Numerics.Simd;

/// <summary>
/// Transposes of 4-byte groups in registers: eight rows of 32 bytes become eight vectors of "dword v of every row"
/// (8 x 8), or four rows become eight vectors of "dword v of rows 0..3, twice" (4 x 8, the mirrored layout of the
/// two-row tiles). These are the layouts the activation-major tiles multiply against; 24 shuffles instead of 64 scalar
/// moves for 8 x 8 (packing was ~4% of prompt time before).
/// </summary>
internal static class DwordTranspose
{
    /// <summary>Rows at <paramref name="first"/> + k * <paramref name="stride"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Eight(byte* first, long stride, byte* dst) => Eight(
        Avx.LoadVector256((int*)first),
        Avx.LoadVector256((int*)(first + stride)),
        Avx.LoadVector256((int*)(first + (2 * stride))),
        Avx.LoadVector256((int*)(first + (3 * stride))),
        Avx.LoadVector256((int*)(first + (4 * stride))),
        Avx.LoadVector256((int*)(first + (5 * stride))),
        Avx.LoadVector256((int*)(first + (6 * stride))),
        Avx.LoadVector256((int*)(first + (7 * stride))),
        dst);

    /// <summary>Rows at <paramref name="rows"/>[k] + <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Eight(byte** rows, int offset, byte* dst) => Eight(
        Avx.LoadVector256((int*)(rows[0] + offset)),
        Avx.LoadVector256((int*)(rows[1] + offset)),
        Avx.LoadVector256((int*)(rows[2] + offset)),
        Avx.LoadVector256((int*)(rows[3] + offset)),
        Avx.LoadVector256((int*)(rows[4] + offset)),
        Avx.LoadVector256((int*)(rows[5] + offset)),
        Avx.LoadVector256((int*)(rows[6] + offset)),
        Avx.LoadVector256((int*)(rows[7] + offset)),
        dst);

    /// <summary>Up to four rows at <paramref name="first"/> + k * <paramref name="stride"/> (rows from
    /// <paramref name="count"/> on are zeros) as eight vectors of "dword v of rows 0..3, twice": the mirrored layout
    /// of the two-row tiles, a 4 x 8 transpose (its scalar form was ~9% of a four-sequence generation step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void FourTwice(byte* first, long stride, int count, byte* dst) => StoreTwice(
        Avx.LoadVector256((int*)first),
        count > 1 ? Avx.LoadVector256((int*)(first + stride)) : Vector256<int>.Zero,
        count > 2 ? Avx.LoadVector256((int*)(first + (2 * stride))) : Vector256<int>.Zero,
        count > 3 ? Avx.LoadVector256((int*)(first + (3 * stride))) : Vector256<int>.Zero,
        dst);

    /// <summary>Rows at <paramref name="rows"/>[k] + <paramref name="offset"/>, k = 0..3, in the layout of
    /// <see cref="FourTwice(byte*, long, int, byte*)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void FourTwice(byte** rows, int offset, byte* dst) => StoreTwice(
        Avx.LoadVector256((int*)(rows[0] + offset)),
        Avx.LoadVector256((int*)(rows[1] + offset)),
        Avx.LoadVector256((int*)(rows[2] + offset)),
        Avx.LoadVector256((int*)(rows[3] + offset)),
        dst);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreTwice(Vector256<int> r0, Vector256<int> r1, Vector256<int> r2, Vector256<int> r3, byte* dst)
    {
        var t0 = Avx2.UnpackLow(r0, r1);    // lane l: r0.d[4l], r1.d[4l], r0.d[4l+1], r1.d[4l+1]
        var t1 = Avx2.UnpackHigh(r0, r1);   // lane l: dwords 4l+2, 4l+3
        var t2 = Avx2.UnpackLow(r2, r3);
        var t3 = Avx2.UnpackHigh(r2, r3);
        var u0 = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64()).AsInt32();    // lane l: dword 4l of r0..r3
        var u1 = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64()).AsInt32();   // dword 4l+1
        var u2 = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64()).AsInt32();    // dword 4l+2
        var u3 = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64()).AsInt32();   // dword 4l+3
        Avx.Store((int*)dst, Avx2.Permute2x128(u0, u0, 0x00));
        Avx.Store((int*)(dst + 32), Avx2.Permute2x128(u1, u1, 0x00));
        Avx.Store((int*)(dst + 64), Avx2.Permute2x128(u2, u2, 0x00));
        Avx.Store((int*)(dst + 96), Avx2.Permute2x128(u3, u3, 0x00));
        Avx.Store((int*)(dst + 128), Avx2.Permute2x128(u0, u0, 0x11));
        Avx.Store((int*)(dst + 160), Avx2.Permute2x128(u1, u1, 0x11));
        Avx.Store((int*)(dst + 192), Avx2.Permute2x128(u2, u2, 0x11));
        Avx.Store((int*)(dst + 224), Avx2.Permute2x128(u3, u3, 0x11));
    }

    /// <summary>Eight rows already in registers (decoded weight blocks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Eight(
        Vector256<int> r0, Vector256<int> r1, Vector256<int> r2, Vector256<int> r3,
        Vector256<int> r4, Vector256<int> r5, Vector256<int> r6, Vector256<int> r7, byte* dst)
    {
        var t0 = Avx2.UnpackLow(r0, r1);
        var t1 = Avx2.UnpackHigh(r0, r1);
        var t2 = Avx2.UnpackLow(r2, r3);
        var t3 = Avx2.UnpackHigh(r2, r3);
        var t4 = Avx2.UnpackLow(r4, r5);
        var t5 = Avx2.UnpackHigh(r4, r5);
        var t6 = Avx2.UnpackLow(r6, r7);
        var t7 = Avx2.UnpackHigh(r6, r7);
        var u0 = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64()).AsInt32();
        var u1 = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64()).AsInt32();
        var u2 = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64()).AsInt32();
        var u3 = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64()).AsInt32();
        var u4 = Avx2.UnpackLow(t4.AsInt64(), t6.AsInt64()).AsInt32();
        var u5 = Avx2.UnpackHigh(t4.AsInt64(), t6.AsInt64()).AsInt32();
        var u6 = Avx2.UnpackLow(t5.AsInt64(), t7.AsInt64()).AsInt32();
        var u7 = Avx2.UnpackHigh(t5.AsInt64(), t7.AsInt64()).AsInt32();
        Avx.Store((int*)dst, Avx2.Permute2x128(u0, u4, 0x20));
        Avx.Store((int*)(dst + 32), Avx2.Permute2x128(u1, u5, 0x20));
        Avx.Store((int*)(dst + 64), Avx2.Permute2x128(u2, u6, 0x20));
        Avx.Store((int*)(dst + 96), Avx2.Permute2x128(u3, u7, 0x20));
        Avx.Store((int*)(dst + 128), Avx2.Permute2x128(u0, u4, 0x31));
        Avx.Store((int*)(dst + 160), Avx2.Permute2x128(u1, u5, 0x31));
        Avx.Store((int*)(dst + 192), Avx2.Permute2x128(u2, u6, 0x31));
        Avx.Store((int*)(dst + 224), Avx2.Permute2x128(u3, u7, 0x31));
    }
}
