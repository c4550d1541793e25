using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// The weight-major product (<see cref="WeightMajorTile"/>) for two to eight activations (batched generation, in
/// passes of up to four) of Q4_0, whose blocks are bare nibbles: eight rows' 16 quant bytes are transposed in registers
/// (two rows per 256-bit register, a 4 x 4 dword transpose in each 128-bit lane) and split into nibbles on the way,
/// with no panel in memory.
/// Each transposed vector then meets the four activations' broadcast bytes, as in the prompt tile. Per 256 products
/// this costs ~28 vector operations against ~35 for the two-row activation-major tile, whose vpshufd per product it
/// replaces by a broadcast load.
/// <para>
/// Measured (AMD EPYC Zen 3): kernel probe with the weights in L2, 4 activations, one core: 96-100 -> 114 GFLOP/s;
/// llama-1b Q4_0 decode step with 2 threads, medians of 20-25 steps over alternating runs: 4 sequences 64.5 -> 59.3
/// ms, 2 sequences 57.1 -> 53.1 ms (1 sequence 44 ms), and 49.5 -> 39.8 ms with the 2-activation loop (the weights
/// from DRAM, one core: 6.7 -> 8.7-9.1 GB/s, the single-row dot's 10); 3 sequences 53.4 -> 44.1 ms with their own
/// loop.
/// </para>
/// <para>
/// Session 6: the rows as two bases plus strides, the activations as one base plus strides and their scales
/// interleaved took the JIT's code from 14 spilled pointers (21 reloads per block) and four spilled 16-bit sums to none:
/// 4 activations in L2 102 -> 122 GFLOP/s, from DRAM 6.8 -> 7.2-8.0 GB/s; the 4-sequence step 81.5 -> 70.8 ms in
/// alternating runs (1 sequence: 45 ms in that phase).
/// </para>
/// </summary>
internal static class NibbleRowTile
{
    private const int Rows = 8;

    // Prefetch distance: the next 8-row group, fetched while this one computes (the weights are pages of the mapped
    // file, where hardware prefetchers stop at every 4 KiB edge). Every second block (36 bytes) so that no 64-byte
    // line is skipped, as every fourth (72 bytes) skips one in nine.
    private const int AheadRows = 8;

    [ThreadStatic]
    private static float[]? t_scales;

    [ThreadStatic]
    private static byte[]? t_rows;

    /// <summary>
    /// Most activations this tile takes, in passes of up to four over the weights. Kernel probe (Q4_0, 2048 x 2048, one
    /// core, GFLOP/s, the panel tile against passes of this one): with the weights from DRAM 59 vs 69 at 5, 61 vs 82 at
    /// 6, 75 vs 88 at 8, 106 vs 84 at 12; in L2 82 vs 114 at 8, about even at 12 and 16, 157 vs 137 at 32. A pass
    /// re-transposes the weights that the panel decodes once, which the panel's own overhead outweighs up to eight.
    /// </summary>
    public const int MaxActivations = 8;

    /// <summary>As <see cref="WeightMajorTile.MatMul{T}"/>, for 2..<see cref="MaxActivations"/> activations.</summary>
    public static unsafe void MatMul<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
    {
        for (var i = 0; i < nAct;)
        {
            // Passes of four; five left become three and two, as this tile has no single-activation loop.
            var count = nAct - i == 5 ? 3 : Math.Min(4, nAct - i);
            Pass<T>(w, wStride, r0, r1, a + ((long)i * aStride), aStride, count, n, output + ((long)i * outputStride), outputStride);
            i += count;
        }
    }

    private static unsafe void Pass<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
    {
        var nb = n / 32;

        // Interleaved per block, [block][activation][d_a, correction], so one pointer serves every activation.
        var needScales = nAct * nb * 2;
        var scaleBuffer = t_scales is { } s && s.Length >= needScales ? s : (t_scales = GC.AllocateUninitializedArray<float>(needScales, pinned: true));
        fixed (float* scales = scaleBuffer)
        {
            WeightMajorTile.ActivationScales<T>(a, aStride, nAct, nb, scales, actPitch: 2, blockPitch: nAct * 2);
            var fullEnd = r0 + ((r1 - r0) / Rows * Rows);
            for (var rg = r0; rg < fullEnd; rg += Rows)
            {
                Tile<T>(w + (rg * wStride), wStride, nb, a + 2, aStride, nAct, scales, output + rg, outputStride, Rows);
            }

            if (fullEnd < r1)
            {
                // A short last group runs on a copy whose missing rows repeat its last one (their lanes are not
                // stored), so that the tile keeps one stride for all eight rows.
                var rows = r1 - fullEnd;
                var copy = t_rows is { } c && c.Length >= Rows * wStride ? c : (t_rows = GC.AllocateUninitializedArray<byte>((int)(Rows * wStride), pinned: true));
                fixed (byte* group = copy)
                {
                    for (var r = 0; r < Rows; r++)
                    {
                        Buffer.MemoryCopy(w + ((fullEnd + Math.Min(r, rows - 1)) * wStride), group + (r * wStride), wStride, wStride);
                    }

                    Tile<T>(group, wStride, nb, a + 2, aStride, nAct, scales, output + fullEnd, outputStride, rows);
                }
            }
        }
    }

    private static unsafe void Tile<T>(byte* w, long wStride, int nb, byte* q, int aStride, int nAct, float* scales, float* output, int outputStride, int rows)
        where T : ISignedBlock32
    {
        // Two or three activations get loops of their own rather than a padded tile of four: with two, the loop
        // streams the weights at the single-row dot's pace.
        switch (nAct)
        {
            case 2:
                Tile<T, Width2>(w, wStride, nb, q, aStride, scales, output, outputStride, rows);
                break;
            case 3:
                Tile<T, Width3>(w, wStride, nb, q, aStride, scales, output, outputStride, rows);
                break;
            default:
                Tile<T, Width4>(w, wStride, nb, q, aStride, scales, output, outputStride, rows);
                break;
        }
    }

    /// <summary>
    /// Eight rows from <paramref name="w"/> (one stride apart) times <typeparamref name="TW"/> activations (quants from
    /// <paramref name="q"/>, one activation row apart). The rows are addressed as two bases (rows 0-3 and 4-7) plus
    /// scaled strides and the activations as one base plus strides, which with the interleaved scales keeps every
    /// pointer in a register: with eight row pointers, four activation and four scale pointers the JIT spilled the
    /// row pointers and reloaded each one per block.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Tile<T, TW>(byte* w, long wStride, int nb, byte* q, long aStride, float* scales, float* output, int outputStride, int rows)
        where T : ISignedBlock32
        where TW : ITileWidth
    {
        var s1 = wStride;
        var s3 = 3 * wStride;
        var a3 = 3 * aStride;
        var lo = w;
        var hi = w + (4 * wStride);
        var end = w + ((long)nb * T.Bytes);
        ref var table = ref Fp16.TableStart;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        var prefetch = true;
        for (; lo < end; lo += T.Bytes, hi += T.Bytes, q += Q8Layout.Q8_0Bytes, scales += 2 * TW.Count)
        {
            if (prefetch)
            {
                // The next 8-row group's bytes at this offset.
                var next = lo + (AheadRows * s1);
                var nextHi = hi + (AheadRows * s1);
                Sse.Prefetch0(next);
                Sse.Prefetch0(next + s1);
                Sse.Prefetch0(next + (2 * s1));
                Sse.Prefetch0(next + s3);
                Sse.Prefetch0(nextHi);
                Sse.Prefetch0(nextHi + s1);
                Sse.Prefetch0(nextHi + (2 * s1));
                Sse.Prefetch0(nextHi + s3);
            }

            prefetch = !prefetch;

            // Rows r and r + 4 share a register (lanes), then a 4 x 4 dword transpose per lane: vector k holds quant
            // bytes 4k..4k+3 of rows 0..7, i.e. positions 4k..4k+3 (low nibbles) and 16+4k.. (high nibbles).
            var x0 = Vector256.Create(Sse2.LoadVector128(lo + 2), Sse2.LoadVector128(hi + 2)).AsInt32();
            var x1 = Vector256.Create(Sse2.LoadVector128(lo + s1 + 2), Sse2.LoadVector128(hi + s1 + 2)).AsInt32();
            var x2 = Vector256.Create(Sse2.LoadVector128(lo + (2 * s1) + 2), Sse2.LoadVector128(hi + (2 * s1) + 2)).AsInt32();
            var x3 = Vector256.Create(Sse2.LoadVector128(lo + s3 + 2), Sse2.LoadVector128(hi + s3 + 2)).AsInt32();
            var t0 = Avx2.UnpackLow(x0, x1).AsInt64();
            var t1 = Avx2.UnpackHigh(x0, x1).AsInt64();
            var t2 = Avx2.UnpackLow(x2, x3).AsInt64();
            var t3 = Avx2.UnpackHigh(x2, x3).AsInt64();

            Products<TW>(Avx2.UnpackLow(t0, t2).AsByte(), q, aStride, a3, 0, out var h0, out var h1, out var h2, out var h3);
            Accumulate<TW>(Avx2.UnpackHigh(t0, t2).AsByte(), q, aStride, a3, 1, ref h0, ref h1, ref h2, ref h3);
            Accumulate<TW>(Avx2.UnpackLow(t1, t3).AsByte(), q, aStride, a3, 2, ref h0, ref h1, ref h2, ref h3);
            Accumulate<TW>(Avx2.UnpackHigh(t1, t3).AsByte(), q, aStride, a3, 3, ref h0, ref h1, ref h2, ref h3);

            // The rows' scales last, when the transposed vectors are dead (16 vector registers).
            var dw = Vector256.Create(
                Fp16.Read(ref table, lo),
                Fp16.Read(ref table, lo + s1),
                Fp16.Read(ref table, lo + (2 * s1)),
                Fp16.Read(ref table, lo + s3),
                Fp16.Read(ref table, hi),
                Fp16.Read(ref table, hi + s1),
                Fp16.Read(ref table, hi + (2 * s1)),
                Fp16.Read(ref table, hi + s3));
            var ones = Vector256.Create((short)1);
            acc0 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h0, ones), scales, dw, acc0);
            acc1 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h1, ones), scales + 2, dw, acc1);
            if (TW.Count >= 3)
            {
                acc2 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h2, ones), scales + 4, dw, acc2);
            }

            if (TW.Count == 4)
            {
                acc3 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h3, ones), scales + 6, dw, acc3);
            }
        }

        WeightMajorTile.EmitTile(acc0, acc1, acc2, acc3, output, outputStride, TW.Count, rows, accumulate: false);
    }

    /// <summary>16-bit sums for transposed quant vector <paramref name="k"/>: its low nibbles are positions 4k..4k+3,
    /// its high nibbles 16+4k..; two vpmaddubsw per activation (8 pairs of 2 x 15 x 127 fit in 16 bits). Activation j's
    /// quants are at q + j * stride (<paramref name="a3"/> = 3 * stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Products<TW>(Vector256<byte> raw, byte* q, long stride, long a3, int k,
        out Vector256<short> h0, out Vector256<short> h1, out Vector256<short> h2, out Vector256<short> h3)
        where TW : ITileWidth
    {
        var (low, high) = Nibbles(raw);
        h0 = Pair(low, high, q, 4 * k);
        h1 = Pair(low, high, q + stride, 4 * k);
        h2 = TW.Count >= 3 ? Pair(low, high, q + (2 * stride), 4 * k) : default;
        h3 = TW.Count == 4 ? Pair(low, high, q + a3, 4 * k) : default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Accumulate<TW>(Vector256<byte> raw, byte* q, long stride, long a3, int k,
        ref Vector256<short> h0, ref Vector256<short> h1, ref Vector256<short> h2, ref Vector256<short> h3)
        where TW : ITileWidth
    {
        var (low, high) = Nibbles(raw);

        // Straight into the running sums: any order of these partial sums stays within 8 x 3810.
        h0 = AddPair(h0, low, high, q, 4 * k);
        h1 = AddPair(h1, low, high, q + stride, 4 * k);
        if (TW.Count >= 3)
        {
            h2 = AddPair(h2, low, high, q + (2 * stride), 4 * k);
        }

        if (TW.Count == 4)
        {
            h3 = AddPair(h3, low, high, q + a3, 4 * k);
        }
    }

    /// <summary>The low and the high nibbles of each byte, as bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<byte> Low, Vector256<byte> High) Nibbles(Vector256<byte> raw)
    {
        var mask = Vector256.Create((byte)0x0F);
        return (raw & mask, Avx2.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & mask);
    }

    /// <summary>The low nibbles times activation bytes at q + <paramref name="at"/>, plus the high ones times those 16 on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<short> Pair(Vector256<byte> low, Vector256<byte> high, byte* q, int at) =>
        Avx2.MultiplyAddAdjacent(low, Avx2Ops.BroadcastDword(q + at)) + Avx2.MultiplyAddAdjacent(high, Avx2Ops.BroadcastDword(q + at + 16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<short> AddPair(Vector256<short> sums, Vector256<byte> low, Vector256<byte> high, byte* q, int at) =>
        sums + Avx2.MultiplyAddAdjacent(low, Avx2Ops.BroadcastDword(q + at)) + Avx2.MultiplyAddAdjacent(high, Avx2Ops.BroadcastDword(q + at + 16));
}
