using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hearth.Numerics.Simd;

/// <summary>Scalar IEEE half / bfloat16 conversions used for block scales and reference paths.</summary>
internal static class Fp16
{
    // 2^112: rescales a half's exponent field (bias 15) shifted into a float's (bias 127). Multiplying
    // instead of adding the bias difference also normalises half subnormals exactly.
    private const float HalfExponentRebias = 5.192296858534828e33f;

    /// <summary>Exact half -> float (normals, subnormals, zeros, inf, NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort h)
    {
        if ((h & 0x7C00) == 0x7C00)
        {
            return (float)BitConverter.UInt16BitsToHalf(h);
        }

        var magnitude = BitConverter.Int32BitsToSingle((h & 0x7FFF) << 13) * HalfExponentRebias;
        return BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(magnitude) | ((h & 0x8000) << 16));
    }

    // All 65536 halves as floats (256 KiB). Block scales are converted by lookup, two instructions,
    // because the runtime has no scalar F16C intrinsic and the bit-exact arithmetic route costs ~10
    // instructions per 32-weight block on the bandwidth-bound dot path. Scales of one tensor have
    // similar magnitudes, so the touched entries stay in L1.
    private static readonly float[] Table = BuildTable();

    /// <summary>The lookup table's first element, for loops that hoist it (the JIT reloads the static field on every
    /// iteration of a loop that calls <see cref="Read"/>).</summary>
    public static ref float TableStart => ref MemoryMarshal.GetArrayDataReference(Table);

    /// <summary>Reads a little-endian half at <paramref name="p"/> through a hoisted <see cref="TableStart"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Read(ref float table, byte* p) => Unsafe.Add(ref table, (nint)Unsafe.ReadUnaligned<ushort>(p));

    /// <summary>Reads a little-endian half at <paramref name="p"/> (table lookup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe float Read(byte* p) =>
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Table), (nint)Unsafe.ReadUnaligned<ushort>(p));

    private static float[] BuildTable()
    {
        var t = new float[65536];
        for (var i = 0; i < t.Length; i++)
        {
            t[i] = ToFloat((ushort)i);
        }

        return t;
    }

    /// <summary>float -> half, round to nearest even (what F16C's vcvtps2ph with mode 0 does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromFloat(float f) => BitConverter.HalfToUInt16Bits((Half)f);

    /// <summary>bfloat16 -> float: the top 16 bits of a float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloatToFloat(ushort b) => BitConverter.Int32BitsToSingle(b << 16);

    /// <summary>float -> bfloat16 as ggml_compute_fp32_to_bf16 (ggml-impl.h): round to nearest even,
    /// NaN kept quiet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FloatToBFloat(float f)
    {
        var u = BitConverter.SingleToUInt32Bits(f);
        if ((u & 0x7FFFFFFF) > 0x7F800000)
        {
            return (ushort)((u >> 16) | 64);
        }

        return (ushort)((u + (0x7FFF + ((u >> 16) & 1))) >> 16);
    }
}
