using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>Activations per register tile, as a type so the JIT compiles one loop per width.</summary>
internal interface ITileWidth
{
    static abstract int Count { get; }
}

internal readonly struct Width8 : ITileWidth
{
    public static int Count => 8;
}

internal readonly struct Width4 : ITileWidth
{
    public static int Count => 4;
}

internal readonly struct Width3 : ITileWidth
{
    public static int Count => 3;
}

internal readonly struct Width2 : ITileWidth
{
    public static int Count => 2;
}

/// <summary>
/// AVX2 matrix product of signed 32-blocks (Q4_0, Q5_0, Q8_0, IQ4_NL) with Q8_0 activations.
/// <para>
/// Tiles of 8 or 4 activations are vectorised across the activations, not along the row: the activations are packed
/// once per call so that one 32-byte vector holds the same 4 (or 8) positions of every activation in the tile, and each
/// weight row's decoded 4 (or 8) bytes are broadcast against it. One vpmaddubsw then advances all activations of the
/// tile at once, the int sums land one activation per lane, and the block's scales are applied to the whole tile with
/// one multiply and one fused add (the activation scales sit in the packed block as f32, converted once). Nothing is
/// reduced horizontally until the row ends. The weights are read in place from the mapped blocks; only the activations
/// are rearranged, which costs a few hundred bytes per block per call. Two to four activations (batched generation)
/// take a one-pass row form on AVX2 (<see cref="RowMulti{T, TW}"/>; Q4_0: <see cref="NibbleRowTile"/>); with VNNI or
/// AVX-512, three and four use the 8-lane loop with two weight rows in the 128-bit lanes (<see cref="RowPairLanes{T}"/>)
/// where the format can decode a row pair, else a 4-tile. Five or more activations take <see cref="WeightMajorTile"/>
/// instead on AVX2 without VNNI, which vectorises across weight rows and broadcasts the activations.
/// </para>
/// <para>
/// Offset formats (Q4_0 = q - 8, Q5_0 = q - 16) multiply their unsigned quants directly (vpmaddubsw takes unsigned x
/// signed), sum several products in 16 bits where they cannot overflow, and fold the offset into a per-block
/// correction <c>-offset * d_a * sum(q_a)</c> packed with the activations. Signed formats move the weight's sign onto
/// the activation first (the reference's mul_sum_i8_pairs_float).
/// </para>
/// <para>
/// Measured (AMD EPYC Zen 3, one core, 2048 x 2048 weights x 128 activations): Q4_0 28 -> 79 GFLOP/s with
/// row-vector tiles and packed f32 scales, then see docs/benchmarks.md for this layout. The single-activation loop
/// (generation) keeps the row-vector form: it is bound by memory, went from 4.6 to 6.7-9.3 GB/s on the mapped
/// llama-1b Q4_0 file with the packed scales, and prefetches ahead because hardware prefetchers stop at page edges.
/// </para>
/// </summary>
internal static partial class SignedTileProduct
{
    // Prefetch distance of the one-activation (generation) loop: hardware prefetchers stop at 4 KiB page edges,
    // and the weights are 4 KiB page-cache pages of the mapped file.
    private const int PrefetchBytes = 2048;

    // Largest |q_a| of a Q8_0 activation: quantised as round(x / (amax / 127)).
    private const int MaxActivation = 127;

    [ThreadStatic]
    private static byte[]? t_packed;

    /// <summary>Float lanes of a packed block's scales and corrections: one per activation, or for a 4-tile two per
    /// activation (each holds half of its positions), 8 in all; a single activation has one.</summary>
    private static int Lanes(int width) => width == 1 ? 1 : 8;

    /// <summary>Bytes of one packed block for <paramref name="width"/> activations: quants, scales, corrections.</summary>
    private static int PackedBlockBytes(int width) => (32 * width) + (8 * Lanes(width));

    /// <summary>
    /// Most activations that take the one-pass row form (<see cref="RowMulti{T, TW}"/>) on AVX2 without VNNI or AVX-512,
    /// rather than the padded two-row tile. llama-1b Q8_0 decode step, 2 threads, medians of 9: 3 sequences 118 -> 83 ms,
    /// 4 sequences 119 -> 106 ms; kernel probe from DRAM, one core, GFLOP/s: Q8_0 29 -> 51 (3), 32 -> 47 (4); Q5_0
    /// 34 -> 41 (3), 38 -> 39 (4). The tile pads three activations to four lanes and re-reads each packed block per
    /// row pair; the row form streams each weight block once and costs one decode per block.
    /// </summary>
    private const int RowMultiMax = 4;

    // No AggressiveOptimization in this file: it skips tiering, so the JIT would keep class-initialization checks
    // for Fp16's table inside the loops; tier-1 code (after ~30 calls or on-stack replacement) has none.
    public static unsafe void MatMulAvx2<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
    {
        if (typeof(T) == typeof(Q4_0Kernel.Block) && nAct >= 2 && nAct <= NibbleRowTile.MaxActivations && !UseVnni && !UseWideTiles)
        {
            NibbleRowTile.MatMul<T>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else if (nAct >= WeightMajorTile.MinVnniActivations && UseVnni)
        {
            WeightMajorTile.MatMulVnni<T>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else if (nAct >= WeightMajorTile.MinActivations && !UseVnni && !UseWideTiles)
        {
            WeightMajorTile.MatMul<T>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else if (nAct == 2 || (nAct > 2 && nAct <= RowMultiMax && !UseVnni && !UseWideTiles))
        {
            MatMulRows<T>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else if (UseVnni)
        {
            MatMulTiles<T, VnniDots>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else
        {
            MatMulTiles<T, PairDots>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
    }

    private static unsafe void MatMulTiles<T, TS>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
        where TS : IByteDots
    {
        var nb = n / 32;
        var need = nb * PackedBlockBytes(8);
        var buffer = t_packed is { } b && b.Length >= need ? b : (t_packed = GC.AllocateUninitializedArray<byte>(need, pinned: true));
        fixed (byte* packed = buffer)
        {
            var i = 0;
            // An 8-tile costs about twice a 4-tile per weight block, so a padded 8-tile pays from five activations
            // and a padded 4-tile from two; one activation takes the row-vector loop.
            while (nAct - i >= 5)
            {
                var count = Math.Min(8, nAct - i);
                Pack<T>(a + (long)i * aStride, aStride, count, 8, nb, packed);
                var wide = UseWideTiles;
                for (var r = r0; r < r1; r += 2)
                {
                    var both = r + 1 < r1;
                    var w1 = w + (both ? r + 1 : r) * wStride;
                    var o = output + (long)i * outputStride + r;
                    if (wide)
                    {
                        RowPairTile512<T>(w + r * wStride, w1, both, 8 * wStride, packed, nb, count, o, outputStride);
                    }
                    else
                    {
                        RowPairTile<T, Width8, TS>(w + r * wStride, w1, both, 8 * wStride, packed, nb, count, o, outputStride);
                    }
                }

                i += count;
            }

            if (nAct - i >= 2 && T.DecodesRowPairs)
            {
                var count = nAct - i;
                Pack<T>(a + (long)i * aStride, aStride, count, 8, nb, packed, mirrored: true);
                for (var r = r0; r < r1; r += 2)
                {
                    var both = r + 1 < r1;
                    RowPairLanes<T, TS>(w + r * wStride, w + (both ? r + 1 : r) * wStride, both, 8 * wStride, packed, nb, count, output + (long)i * outputStride + r, outputStride);
                }

                i += count;
            }

            if (nAct - i >= 2)
            {
                var count = nAct - i;
                Pack<T>(a + (long)i * aStride, aStride, count, 4, nb, packed);
                for (var r = r0; r < r1; r += 2)
                {
                    var both = r + 1 < r1;
                    RowPairTile<T, Width4, TS>(w + r * wStride, w + (both ? r + 1 : r) * wStride, both, 8 * wStride, packed, nb, count, output + (long)i * outputStride + r, outputStride);
                }

                i += count;
            }

            if (i < nAct)
            {
                Pack<T>(a + (long)i * aStride, aStride, 1, 1, nb, packed);
                for (var r = r0; r < r1; r++)
                {
                    output[(long)i * outputStride + r] = RowSingle<T>(w + r * wStride, packed, nb);
                }
            }
        }
    }

    /// <summary>
    /// Packs <paramref name="count"/> Q8_0 rows into tiles of <paramref name="width"/> activations. Per block: vector v
    /// (of <paramref name="width"/>) holds positions [v * 32 / width, (v + 1) * 32 / width) of activation c at byte
    /// c * 32 / width; then the f32 scales and corrections per lane. Missing activations are zeros, so their lanes
    /// compute zero and are not stored.
    /// </summary>
    private static unsafe void Pack<T>(byte* a, int aStride, int count, int width, int nb, byte* packed, bool mirrored = false)
        where T : ISignedBlock32
    {
        var blockBytes = PackedBlockBytes(width);
        var span = 32 / width;
        var lanesPerActivation = Lanes(width) / width;
        for (var b = 0; b < nb; b++)
        {
            var dst = packed + ((long)b * blockBytes);
            var scales = (float*)(dst + (width * 32));
            var corrections = scales + Lanes(width);
            for (var c = 0; c < width; c++)
            {
                // Mirrored: lanes 4..7 repeat activations 0..3, for the tile that puts two weight rows in the lanes.
                var source = mirrored ? c % 4 : c;
                var block = a + ((long)source * aStride) + ((long)b * Q8Layout.Q8_0Bytes);
                var present = source < count;
                var qs = block + 2;
                var at = dst + (c * span);
                if (width == 8 && (mirrored || count == 8))
                {
                    // Full 8-tiles (prompts) and mirrored tiles (batched generation) are transposed in registers
                    // after the loop over c.
                }
                else if (width == 8)
                {
                    for (var v = 0; v < 8; v++)
                    {
                        Unsafe.WriteUnaligned(at + (v * 32), present ? Unsafe.ReadUnaligned<int>(qs + (v * 4)) : 0);
                    }
                }
                else if (width == 4)
                {
                    for (var v = 0; v < 4; v++)
                    {
                        Unsafe.WriteUnaligned(at + (v * 32), present ? Unsafe.ReadUnaligned<long>(qs + (v * 8)) : 0L);
                    }
                }
                else
                {
                    Avx.Store(at, Avx.LoadVector256(qs));
                }

                var d = present ? Fp16.Read(block) : 0f;
                if (width == 8 && (mirrored || count == 8))
                {
                    scales[c] = d;   // corrections from the transposed quants below
                    continue;
                }

                var sum = present && T.Offset != 0 ? Avx2Ops.Sum(Avx2Ops.DotUnsigned(Vector256.Create((byte)1), Avx.LoadVector256((sbyte*)(block + 2)))) : 0;
                for (var l = 0; l < lanesPerActivation; l++)
                {
                    scales[(c * lanesPerActivation) + l] = d;
                    corrections[(c * lanesPerActivation) + l] = l == 0 ? -T.Offset * d * sum : 0f;
                }
            }

            if (width == 8 && (mirrored || count == 8))
            {
                if (mirrored)
                {
                    DwordTranspose.FourTwice(a + ((long)b * Q8Layout.Q8_0Bytes) + 2, aStride, count, dst);
                }
                else
                {
                    DwordTranspose.Eight(a + ((long)b * Q8Layout.Q8_0Bytes) + 2, aStride, dst);
                }

                Avx.Store(corrections, T.Offset != 0 ? Corrections(dst, Avx.LoadVector256(scales), T.Offset) : Vector256<float>.Zero);
            }
        }
    }

    /// <summary>-offset * d_a * sum(q_a) for all eight lanes of a transposed tile at once: each lane's 32 quants are
    /// summed across the eight vectors (vpmaddubsw with ones, at most 8 x 2 x 127 in 16 bits), instead of a horizontal
    /// sum per activation (the scalar form was ~3% of a four-sequence generation step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Corrections(byte* quants, Vector256<float> scales, int offset)
    {
        var ones = Vector256.Create((byte)1);
        var pairs = (Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)quants)) + Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)(quants + 32))))
            + (Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)(quants + 64))) + Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)(quants + 96))));
        pairs += (Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)(quants + 128))) + Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)(quants + 160))))
            + (Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)(quants + 192))) + Avx2.MultiplyAddAdjacent(ones, Avx.LoadVector256((sbyte*)(quants + 224))));
        var sums = Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
        return Avx.ConvertToVector256Single(sums) * scales * Vector256.Create((float)-offset);
    }

    /// <summary>Two weight rows (<paramref name="w0"/>, <paramref name="w1"/>; the same row twice for an odd tail)
    /// times a packed tile of <typeparamref name="TW"/> activations; writes the first <paramref name="count"/>
    /// results of each row at <paramref name="output"/> (row 1 at +1) with stride <paramref name="outputStride"/>.
    /// Two rows give the core two independent accumulation chains (one chain alone left it waiting on the fused
    /// adds' latency: 82 -> 97 GFLOP/s for the second chain of corrections, more for the second row).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void RowPairTile<T, TW, TS>(byte* w0, byte* w1, bool both, long ahead, byte* packed, int nb, int count, float* output, int outputStride)
        where T : ISignedBlock32
        where TW : ITileWidth
        where TS : IByteDots
    {
        var width = TW.Count;
        var blockBytes = PackedBlockBytes(width);
        var acc0 = Vector256<float>.Zero;
        ref var table = ref Fp16.TableStart;   // hoisted: the static field was reloaded every block
        var acc1 = Vector256<float>.Zero;
        var corrections0 = Vector256<float>.Zero;
        var corrections1 = Vector256<float>.Zero;
        for (var b = 0; b < nb; b++, w0 += T.Bytes, w1 += T.Bytes, packed += blockBytes)
        {
            if ((b & 3) == 0)
            {
                Sse.Prefetch0(w0 + ahead);
                Sse.Prefetch0(w1 + ahead);
            }

            var scales = (float*)(packed + (32 * width));
            var da = Avx.LoadVector256(scales);
            var dw0 = Vector256.Create(Fp16.Read(ref table, w0));
            var dw1 = Vector256.Create(Fp16.Read(ref table, w1));
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSum<T, TW, TS>(w0, packed)), dw0 * da, acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(BlockSum<T, TW, TS>(w1, packed)), dw1 * da, acc1);
            if (T.Offset != 0)
            {
                var ds = Avx.LoadVector256(scales + 8);
                corrections0 = Fma.MultiplyAdd(dw0, ds, corrections0);
                corrections1 = Fma.MultiplyAdd(dw1, ds, corrections1);
            }
        }

        Store<TW>(acc0 + corrections0, count, output, outputStride);
        if (both)
        {
            Store<TW>(acc1 + corrections1, count, output + 1, outputStride);
        }
    }

    /// <summary>
    /// One or two weight rows times up to four activations packed mirrored (<see cref="Pack{T}"/>): each register
    /// holds the two rows in its 128-bit lanes against the same four activations in both, so the 8-lane tile loop does
    /// the work of a 4-tile at the cost per lane of an 8-tile. For batched generation (a few sequences per step),
    /// where a 4-tile spent ~2.4x a single activation's time per weight block. (Four rows per call measured no
    /// faster: the JIT spilled the second pair's registers.)
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void RowPairLanes<T, TS>(byte* w0, byte* w1, bool both, long ahead, byte* packed, int nb, int count, float* output, int outputStride)
        where T : ISignedBlock32
        where TS : IByteDots
    {
        var blockBytes = PackedBlockBytes(8);
        var acc = Vector256<float>.Zero;
        ref var table = ref Fp16.TableStart;   // hoisted: the static field was reloaded every block
        var corrections = Vector256<float>.Zero;   // a second chain: one fused add per block on each
        for (var b = 0; b < nb; b++, w0 += T.Bytes, w1 += T.Bytes, packed += blockBytes)
        {
            if ((b & 3) == 0)
            {
                Sse.Prefetch0(w0 + ahead);
                Sse.Prefetch0(w1 + ahead);
            }

            var scales = (float*)(packed + 256);
            var dw = Vector256.Create(Vector128.Create(Fp16.Read(ref table, w0)), Vector128.Create(Fp16.Read(ref table, w1)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(PairSum<T, TS>(w0, w1, packed)), dw * Avx.LoadVector256(scales), acc);
            if (T.Offset != 0)
            {
                corrections = Fma.MultiplyAdd(dw, Avx.LoadVector256(scales + 8), corrections);
            }
        }

        var sums = acc + corrections;
        for (var c = 0; c < count; c++)
        {
            var column = output + ((long)c * outputStride);
            column[0] = sums.GetElement(c);
            if (both)
            {
                column[1] = sums.GetElement(4 + c);
            }
        }
    }

    /// <summary>Integer products of two rows' blocks (one per 128-bit lane) with a mirrored tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> PairSum<T, TS>(byte* first, byte* second, byte* packed)
        where T : ISignedBlock32
        where TS : IByteDots
    {
        T.DecodeRowPairAvx2(first, second, out var low, out var high);
        return HalvesSum<T, Width8, TS>(low, high, packed);
    }

    /// <summary>Integer products of one weight block with the tile, one int32 per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> BlockSum<T, TW, TS>(byte* w, byte* packed)
        where T : ISignedBlock32
        where TW : ITileWidth
        where TS : IByteDots
    {
        DecodeHalves<T>(w, out var low, out var high);
        return HalvesSum<T, TW, TS>(low, high, packed);
    }

    /// <summary>A block's elements 0..15 repeated in both 128-bit lanes (<paramref name="low"/>) and 16..31 likewise
    /// (<paramref name="high"/>): unsigned quants for offset formats, signed values otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void DecodeHalves<T>(byte* w, out Vector256<byte> low, out Vector256<byte> high)
        where T : ISignedBlock32
    {
        if (T.DecodesHalves)
        {
            T.DecodeHalvesAvx2(w, out low, out high);
        }
        else
        {
            var q = T.Offset != 0 ? T.DecodeUnsignedAvx2(w) : T.DecodeAvx2(w).AsByte();
            low = Avx2.Permute4x64(q.AsUInt64(), 0x44).AsByte();
            high = Avx2.Permute4x64(q.AsUInt64(), 0xEE).AsByte();
        }
    }

    /// <summary>Decoded halves (unsigned quants, or signed values) times the tile: the offset or the sign route.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> HalvesSum<T, TW, TS>(Vector256<byte> low, Vector256<byte> high, byte* packed)
        where T : ISignedBlock32
        where TW : ITileWidth
        where TS : IByteDots
    {
        if (T.Offset != 0)
        {
            return TS.Widens ? WideningSum<TW, TS>(new Halves(low, high), packed) : OffsetSum<T, TW>(new Halves(low, high), packed);
        }

        var magnitude = new Halves(Avx2.Sign(low.AsSByte(), low.AsSByte()).AsByte(), Avx2.Sign(high.AsSByte(), high.AsSByte()).AsByte());
        return SignedSum<TW, TS>(magnitude, new Halves(low, high), packed);
    }

    /// <summary>Writes the tile's results: lane c for an 8-tile, lanes 2c + 2c+1 for a 4-tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store<TW>(Vector256<float> sums, int count, float* output, int outputStride)
        where TW : ITileWidth
    {
        for (var c = 0; c < count; c++)
        {
            output[(long)c * outputStride] = TW.Count == 8 ? sums.GetElement(c) : sums.GetElement(2 * c) + sums.GetElement((2 * c) + 1);
        }
    }

    /// <summary>A decoded block with each 16-byte half repeated in both 128-bit lanes, so the bytes of any tile
    /// vector can be repeated across a register by one in-lane vpshufd (cross-lane vpermd measured 2x slower).</summary>
    private readonly struct Halves(Vector256<byte> low, Vector256<byte> high)
    {
        public readonly Vector256<byte> Low = low;
        public readonly Vector256<byte> High = high;

        /// <summary>The weight bytes of tile vector <paramref name="v"/> (4 for an 8-tile, 8 for a 4-tile), repeated.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<byte> Broadcast<TW>([ConstantExpected(Max = 7)] byte v)
            where TW : ITileWidth
        {
            var perHalf = TW.Count / 2;
            var source = v < perHalf ? Low : High;
            var u = v % perHalf;
            var dwords = source.AsUInt32();
            var repeated = TW.Count == 4
                ? (u == 0 ? Avx2.Shuffle(dwords, 0x44) : Avx2.Shuffle(dwords, 0xEE))
                : u switch
                {
                    0 => Avx2.Shuffle(dwords, 0x00),
                    1 => Avx2.Shuffle(dwords, 0x55),
                    2 => Avx2.Shuffle(dwords, 0xAA),
                    _ => Avx2.Shuffle(dwords, 0xFF),
                };
            return repeated.AsByte();
        }
    }

    /// <summary>Unsigned quants x activations of one block, one int32 per lane. vpmaddubsw pairs reach
    /// 2 * (2 * offset - 1) * 127, so up to 32767 / that many of them are summed in 16 bits before widening.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> OffsetSum<T, TW>(Halves decoded, byte* packed)
        where T : ISignedBlock32
        where TW : ITileWidth
    {
        var perWidening = short.MaxValue / (2 * ((2 * T.Offset) - 1) * MaxActivation);
        var ones = Vector256.Create((short)1);
        var low = Product<TW>(decoded, packed, 0) + Product<TW>(decoded, packed, 1) + Product<TW>(decoded, packed, 2) + Product<TW>(decoded, packed, 3);
        if (TW.Count == 4)
        {
            return Avx2.MultiplyAddAdjacent(low, ones);
        }

        var high = Product<TW>(decoded, packed, 4) + Product<TW>(decoded, packed, 5) + Product<TW>(decoded, packed, 6) + Product<TW>(decoded, packed, 7);
        return perWidening >= 8
            ? Avx2.MultiplyAddAdjacent(low + high, ones)
            : Avx2.MultiplyAddAdjacent(low, ones) + Avx2.MultiplyAddAdjacent(high, ones);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<short> Product<TW>(Halves decoded, byte* packed, [ConstantExpected(Max = 7)] byte v)
        where TW : ITileWidth =>
        Avx2.MultiplyAddAdjacent(decoded.Broadcast<TW>(v), Avx.LoadVector256((sbyte*)(packed + (32 * v))));

    /// <summary>Unsigned quants x activations of one block accumulated straight into int32 (VNNI's vpdpbusd), on two
    /// chains so consecutive instructions do not wait on each other's latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> WideningSum<TW, TS>(Halves decoded, byte* packed)
        where TW : ITileWidth
        where TS : IByteDots
    {
        var even = TS.Add(Vector256<int>.Zero, decoded.Broadcast<TW>(0), Activations(packed, 0));
        var odd = TS.Add(Vector256<int>.Zero, decoded.Broadcast<TW>(1), Activations(packed, 1));
        even = TS.Add(even, decoded.Broadcast<TW>(2), Activations(packed, 2));
        odd = TS.Add(odd, decoded.Broadcast<TW>(3), Activations(packed, 3));
        if (TW.Count == 8)
        {
            even = TS.Add(even, decoded.Broadcast<TW>(4), Activations(packed, 4));
            odd = TS.Add(odd, decoded.Broadcast<TW>(5), Activations(packed, 5));
            even = TS.Add(even, decoded.Broadcast<TW>(6), Activations(packed, 6));
            odd = TS.Add(odd, decoded.Broadcast<TW>(7), Activations(packed, 7));
        }

        return even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<sbyte> Activations(byte* packed, int v) => Avx.LoadVector256((sbyte*)(packed + (32 * v)));

    /// <summary>Signed quants x activations of one block, one int32 per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> SignedSum<TW, TS>(Halves magnitude, Halves signs, byte* packed)
        where TW : ITileWidth
        where TS : IByteDots
    {
        var even = SignedProduct<TW, TS>(Vector256<int>.Zero, magnitude, signs, packed, 0);
        var odd = SignedProduct<TW, TS>(Vector256<int>.Zero, magnitude, signs, packed, 1);
        even = SignedProduct<TW, TS>(even, magnitude, signs, packed, 2);
        odd = SignedProduct<TW, TS>(odd, magnitude, signs, packed, 3);
        if (TW.Count == 8)
        {
            even = SignedProduct<TW, TS>(even, magnitude, signs, packed, 4);
            odd = SignedProduct<TW, TS>(odd, magnitude, signs, packed, 5);
            even = SignedProduct<TW, TS>(even, magnitude, signs, packed, 6);
            odd = SignedProduct<TW, TS>(odd, magnitude, signs, packed, 7);
        }

        return even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> SignedProduct<TW, TS>(Vector256<int> acc, Halves magnitude, Halves signs, byte* packed, [ConstantExpected(Max = 7)] byte v)
        where TW : ITileWidth
        where TS : IByteDots
    {
        var x = Avx2.Sign(Activations(packed, v), signs.Broadcast<TW>(v).AsSByte());
        return TS.Add(acc, magnitude.Broadcast<TW>(v), x);
    }

    /// <summary>A decoded weight block as vpmaddubsw wants it: unsigned magnitudes, and for signed formats the
    /// signs to move onto the activations (the reference's mul_sum_i8_pairs_float).</summary>
    private readonly struct Weights(Vector256<byte> magnitude, Vector256<sbyte> signs)
    {
        public readonly Vector256<byte> Magnitude = magnitude;
        public readonly Vector256<sbyte> Signs = signs;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Weights Decode<T>(byte* block)
            where T : ISignedBlock32
        {
            if (T.Offset != 0)
            {
                return new Weights(T.DecodeUnsignedAvx2(block), default);
            }

            var q = T.DecodeAvx2(block);
            return new Weights(Avx2.Sign(q, q).AsByte(), q);
        }
    }

    /// <summary>acc += d_w * d_a * sum(q_w * q_a) for one packed activation block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Step<T>(Weights q, byte* quants, float* scale, Vector256<float> dw, Vector256<float> acc)
        where T : ISignedBlock32
    {
        var x = Avx.LoadVector256((sbyte*)quants);
        var signed = T.Offset == 0 ? Avx2.Sign(x, q.Signs) : x;
        // vpdpbusd where the CPU has it (one instruction for vpmaddubsw + vpmaddwd; the same integers, as the
        // magnitudes (<= 128) times |q_a| <= 127 never reach vpmaddubsw's int16 limit).
        var p = AvxVnni.IsSupported ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, q.Magnitude, signed) : Avx2Ops.DotUnsigned(q.Magnitude, signed);
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(p), dw * Vector256.Create(*scale), acc);
    }

    /// <summary>Two to four activations (sequences generating together): the row-vector loop of generation with every
    /// activation against each decoded block. The small-batch tiles pad two activations to four lanes, which made a
    /// 2-sequence Q8_0 step cost as much as two single ones (tg32 x2 15.2 tok/s against 14.7 for one sequence).</summary>
    private static unsafe void MatMulRows<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
    {
        var nb = n / 32;
        var need = nb * PackedBlockBytes(8);
        var buffer = t_packed is { } b && b.Length >= need ? b : (t_packed = GC.AllocateUninitializedArray<byte>(need, pinned: true));
        fixed (byte* packed = buffer)
        {
            var packStride = (long)nb * PackedBlockBytes(1);
            for (var i = 0; i < nAct; i++)
            {
                Pack<T>(a + ((long)i * aStride), aStride, 1, 1, nb, packed + (i * packStride));
            }

            for (var r = r0; r < r1; r++)
            {
                if (nAct == 2)
                {
                    RowMulti<T, Width2>(w + r * wStride, packed, packStride, nb, output + r, outputStride);
                }
                else if (nAct == 3)
                {
                    RowMulti<T, Width3>(w + r * wStride, packed, packStride, nb, output + r, outputStride);
                }
                else
                {
                    RowMulti<T, Width4>(w + r * wStride, packed, packStride, nb, output + r, outputStride);
                }
            }
        }
    }

    /// <summary>One weight row times two to four packed activations (<typeparamref name="TW"/>, one
    /// <paramref name="packStride"/> apart): each block decoded once, one accumulator per activation; results to
    /// output[c * <paramref name="outputStride"/>].</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void RowMulti<T, TW>(byte* w, byte* packed, long packStride, int nb, float* output, int outputStride)
        where T : ISignedBlock32
        where TW : ITileWidth
    {
        const int BlockBytes = 40;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        float correction0 = 0f, correction1 = 0f, correction2 = 0f, correction3 = 0f;
        var p3 = 3 * packStride;
        for (var b = 0; b < nb; b++, w += T.Bytes, packed += BlockBytes)
        {
            // Every block: every fourth skipped lines of the 34-byte Q8_0 blocks.
            Sse.Prefetch0(w + PrefetchBytes);

            var d = Fp16.Read(w);
            var q = Weights.Decode<T>(w);
            var dw = Vector256.Create(d);
            acc0 = Step<T>(q, packed, (float*)(packed + 32), dw, acc0);
            acc1 = Step<T>(q, packed + packStride, (float*)(packed + packStride + 32), dw, acc1);
            if (TW.Count >= 3)
            {
                acc2 = Step<T>(q, packed + (2 * packStride), (float*)(packed + (2 * packStride) + 32), dw, acc2);
            }

            if (TW.Count == 4)
            {
                acc3 = Step<T>(q, packed + p3, (float*)(packed + p3 + 32), dw, acc3);
            }

            if (T.Offset != 0)
            {
                correction0 += d * *(float*)(packed + 36);
                correction1 += d * *(float*)(packed + packStride + 36);
                correction2 += TW.Count >= 3 ? d * *(float*)(packed + (2 * packStride) + 36) : 0f;
                correction3 += TW.Count == 4 ? d * *(float*)(packed + p3 + 36) : 0f;
            }
        }

        output[0] = Avx2Ops.Sum(acc0) + correction0;
        output[outputStride] = Avx2Ops.Sum(acc1) + correction1;
        if (TW.Count >= 3)
        {
            output[2L * outputStride] = Avx2Ops.Sum(acc2) + correction2;
        }

        if (TW.Count == 4)
        {
            output[3L * outputStride] = Avx2Ops.Sum(acc3) + correction3;
        }
    }

    /// <summary>One weight row times one packed activation (generation): two blocks per iteration on two
    /// accumulators, prefetching the weights ahead.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe float RowSingle<T>(byte* w, byte* packed, int nb)
        where T : ISignedBlock32
    {
        const int BlockBytes = 40;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var correction0 = 0f;
        var correction1 = 0f;
        var b = 0;
        for (; b + 2 <= nb; b += 2, w += 2 * T.Bytes, packed += 2 * BlockBytes)
        {
            // Every pair of blocks (36 bytes of Q4_0, 68 of Q8_0): every second pair skipped lines of Q8_0.
            Sse.Prefetch0(w + PrefetchBytes);

            var d0 = Fp16.Read(w);
            var d1 = Fp16.Read(w + T.Bytes);
            acc0 = Step<T>(Weights.Decode<T>(w), packed, (float*)(packed + 32), Vector256.Create(d0), acc0);
            acc1 = Step<T>(Weights.Decode<T>(w + T.Bytes),
                packed + BlockBytes, (float*)(packed + BlockBytes + 32), Vector256.Create(d1), acc1);
            if (T.Offset != 0)
            {
                correction0 += d0 * *(float*)(packed + 36);
                correction1 += d1 * *(float*)(packed + BlockBytes + 36);
            }
        }

        if (b < nb)
        {
            var d0 = Fp16.Read(w);
            acc0 = Step<T>(Weights.Decode<T>(w), packed, (float*)(packed + 32), Vector256.Create(d0), acc0);
            if (T.Offset != 0)
            {
                correction0 += d0 * *(float*)(packed + 36);
            }
        }

        return Avx2Ops.Sum(acc0 + acc1) + correction0 + correction1;
    }
}
