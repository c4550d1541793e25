using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// The AVX-512 form of the 8-activation tile (prompts, five or more activations): the two weight rows that
/// <see cref="RowPairTile{T, TW}"/> keeps in two 256-bit chains share one 512-bit register, row 0 in the low half
/// and row 1 in the high half, against the same packed activations loaded into both halves. The packed layout,
/// the offset corrections and the 16-bit summing bounds are those of the AVX2 tile; every instruction does twice
/// the work. Signed formats move the weight's sign with xor/subtract, as AVX-512 has no vpsignb.
/// </summary>
internal static partial class SignedTileProduct
{
    /// <summary>Which tiles a thread uses; tests pin each one, production leaves it at Auto.</summary>
    internal enum TileChoice
    {
        /// <summary>What the hardware has: 512-bit 8-activation tiles with AVX-512 F + BW, vpdpbusd sums in the
        /// 256-bit tiles with AVX-VNNI, else plain AVX2.</summary>
        Auto,

        /// <summary>The AVX2 tiles with vpmaddubsw/vpmaddwd sums.</summary>
        Avx2,

        /// <summary>The AVX2 tiles with VNNI-shaped sums, emulated by vpmaddubsw + vpmaddwd + vpaddd where AVX-VNNI is
        /// missing (tests only).</summary>
        AvxVnni,

        /// <summary>The 512-bit 8-activation tile, emulated on AVX2 halves where AVX-512 is missing (tests only).</summary>
        Avx512,
    }

    [ThreadStatic]
    private static TileChoice t_tiles;

    /// <summary>The tile choice of the calling thread (tests set it around a call).</summary>
    internal static TileChoice Tiles
    {
        get => t_tiles;
        set => t_tiles = value;
    }

    private static bool UseWideTiles => t_tiles switch
    {
        TileChoice.Avx512 => Avx512Ops.CanRun,
        TileChoice.Auto => Avx512Ops.IsSupported,
        _ => false,
    };

    private static bool UseVnni => t_tiles switch
    {
        TileChoice.AvxVnni => true,
        TileChoice.Auto => System.Runtime.Intrinsics.X86.AvxVnni.IsSupported,
        _ => false,
    };

    /// <summary>Two weight rows times a packed 8-activation tile in one 512-bit chain; writes as
    /// <see cref="RowPairTile{T, TW}"/> does.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void RowPairTile512<T>(byte* w0, byte* w1, bool both, long ahead, byte* packed, int nb, int count, float* output, int outputStride)
        where T : ISignedBlock32
    {
        var blockBytes = PackedBlockBytes(8);
        var acc = Vector512<float>.Zero;
        var corrections = Vector512<float>.Zero;
        for (var b = 0; b < nb; b++, w0 += T.Bytes, w1 += T.Bytes, packed += blockBytes)
        {
            if ((b & 3) == 0)
            {
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(w0 + ahead);
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(w1 + ahead);
            }

            DecodeHalves<T>(w0, out var low0, out var high0);
            DecodeHalves<T>(w1, out var low1, out var high1);
            var low = Vector512.Create(low0, low1);
            var high = Vector512.Create(high0, high1);
            var sums = T.Offset != 0 ? OffsetSum512<T>(low, high, packed) : SignedSum512(low, high, packed);

            var scales = (float*)(packed + 256);
            var dw = Vector512.Create(Vector256.Create(Fp16.Read(w0)), Vector256.Create(Fp16.Read(w1)));
            acc = Avx512Ops.MultiplyAdd(Avx512Ops.ConvertToSingle(sums), Avx512Ops.Multiply(dw, Avx512Ops.LoadTwice(scales)), acc);
            if (T.Offset != 0)
            {
                corrections = Avx512Ops.MultiplyAdd(dw, Avx512Ops.LoadTwice(scales + 8), corrections);
            }
        }

        var total = Avx512Ops.Add(acc, corrections);
        for (var c = 0; c < count; c++)
        {
            var column = output + ((long)c * outputStride);
            column[0] = total.GetElement(c);
            if (both)
            {
                column[1] = total.GetElement(8 + c);
            }
        }
    }

    /// <summary>Unsigned quants x the tile, one int32 per (row, activation) lane; the 16-bit summing bound of
    /// <see cref="OffsetSum{T, TW}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> OffsetSum512<T>(Vector512<byte> low, Vector512<byte> high, byte* packed)
        where T : ISignedBlock32
    {
        var perWidening = short.MaxValue / (2 * ((2 * T.Offset) - 1) * MaxActivation);
        var ones = Vector512.Create((short)1);
        var first = Avx512Ops.Add(
            Avx512Ops.Add(Product512(low, packed, 0), Product512(low, packed, 1)),
            Avx512Ops.Add(Product512(low, packed, 2), Product512(low, packed, 3)));
        var second = Avx512Ops.Add(
            Avx512Ops.Add(Product512(high, packed, 4), Product512(high, packed, 5)),
            Avx512Ops.Add(Product512(high, packed, 6), Product512(high, packed, 7)));
        return perWidening >= 8
            ? Avx512Ops.MultiplyAddAdjacent(Avx512Ops.Add(first, second), ones)
            : Avx512Ops.Add(Avx512Ops.MultiplyAddAdjacent(first, ones), Avx512Ops.MultiplyAddAdjacent(second, ones));
    }

    /// <summary>Dword <paramref name="v"/> % 4 of each lane's weight bytes repeated across the lane, times packed
    /// tile vector <paramref name="v"/> (positions 4v..4v+3 of every activation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<short> Product512(Vector512<byte> half, byte* packed, int v) =>
        Avx512Ops.MultiplyAddAdjacent(Broadcast512(half, v), Avx512Ops.LoadTwice((sbyte*)(packed + (32 * v))));

    /// <summary>Signed values x the tile: magnitudes times activations carrying the weight's sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> SignedSum512(Vector512<byte> low, Vector512<byte> high, byte* packed)
    {
        var ones = Vector512.Create((short)1);
        var sum = Vector512<int>.Zero;
        for (var v = 0; v < 8; v++)
        {
            var w = Broadcast512(v < 4 ? low : high, v).AsSByte();
            var x = Avx512Ops.ApplySign(Avx512Ops.LoadTwice((sbyte*)(packed + (32 * v))), w);
            sum = Avx512Ops.Add(sum, Avx512Ops.MultiplyAddAdjacent(Avx512Ops.MultiplyAddAdjacent(Avx512Ops.Abs(w), x), ones));
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Broadcast512(Vector512<byte> half, int v) =>
        (v & 3) switch
        {
            0 => Avx512Ops.Shuffle(half.AsUInt32(), 0x00).AsByte(),
            1 => Avx512Ops.Shuffle(half.AsUInt32(), 0x55).AsByte(),
            2 => Avx512Ops.Shuffle(half.AsUInt32(), 0xAA).AsByte(),
            _ => Avx512Ops.Shuffle(half.AsUInt32(), 0xFF).AsByte(),
        };
}
