using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// The weight-major product (<see cref="WeightMajorTile"/>) for two to four activations (batched generation) of Q4_0,
/// whose blocks are bare nibbles: eight rows' 16 quant bytes are transposed in registers (two rows per 256-bit
/// register, a 4 x 4 dword transpose in each 128-bit lane) and split into nibbles on the way, with no panel in memory.
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

    /// <summary>As <see cref="WeightMajorTile.MatMul{T}"/>, for 2..4 activations.</summary>
    public static unsafe void MatMul<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
    {
        var nb = n / 32;
        var needScales = nAct * nb * 2;
        var scaleBuffer = t_scales is { } s && s.Length >= needScales ? s : (t_scales = GC.AllocateUninitializedArray<float>(needScales, pinned: true));
        fixed (float* scales = scaleBuffer)
        {
            WeightMajorTile.ActivationScales<T>(a, aStride, nAct, nb, scales);
            var i1 = Math.Min(1, nAct - 1);
            var i2 = Math.Min(2, nAct - 1);
            var i3 = Math.Min(3, nAct - 1);
            for (var rg = r0; rg < r1; rg += Rows)
            {
                // Two or three activations get loops of their own rather than a padded tile of four: with two, the
                // loop streams the weights at the single-row dot's pace.
                if (nAct == 2)
                {
                    Tile<T, Width2>(w + (rg * wStride), wStride, Math.Min(Rows, r1 - rg), nb, a + 2, a + aStride + 2, null, null,
                        scales, scales + (nb * 2), null, null, output + rg, outputStride, nAct);
                    continue;
                }

                if (nAct == 3)
                {
                    Tile<T, Width3>(w + (rg * wStride), wStride, Math.Min(Rows, r1 - rg), nb, a + 2, a + aStride + 2, a + (2L * aStride) + 2, null,
                        scales, scales + (nb * 2), scales + (nb * 4), null, output + rg, outputStride, nAct);
                    continue;
                }

                Tile<T, Width4>(
                    w + (rg * wStride),
                    wStride,
                    Math.Min(Rows, r1 - rg),
                    nb,
                    a + 2,
                    a + ((long)i1 * aStride) + 2,
                    a + ((long)i2 * aStride) + 2,
                    a + ((long)i3 * aStride) + 2,
                    scales,
                    scales + (i1 * nb * 2),
                    scales + (i2 * nb * 2),
                    scales + (i3 * nb * 2),
                    output + rg,
                    outputStride,
                    nAct);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Tile<T, TW>(
        byte* w, long wStride, int rows, int nb, byte* q0, byte* q1, byte* q2, byte* q3, float* s0, float* s1, float* s2, float* s3,
        float* output, int outputStride, int count)
        where T : ISignedBlock32
        where TW : ITileWidth
    {
        // Missing rows of a short group repeat the last one; their lanes are never stored.
        var last = rows - 1;
        var w0 = w;
        var w1 = w + (Math.Min(1, last) * wStride);
        var w2 = w + (Math.Min(2, last) * wStride);
        var w3 = w + (Math.Min(3, last) * wStride);
        var w4 = w + (Math.Min(4, last) * wStride);
        var w5 = w + (Math.Min(5, last) * wStride);
        var w6 = w + (Math.Min(6, last) * wStride);
        var w7 = w + (Math.Min(7, last) * wStride);
        var ahead = AheadRows * wStride;
        ref var table = ref Fp16.TableStart;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        for (var b = 0; b < nb; b++, q0 += Q8Layout.Q8_0Bytes, q1 += Q8Layout.Q8_0Bytes, q2 += Q8Layout.Q8_0Bytes,
            q3 += TW.Count == 4 ? Q8Layout.Q8_0Bytes : 0, s0 += 2, s1 += 2, s2 += TW.Count >= 3 ? 2 : 0, s3 += TW.Count == 4 ? 2 : 0)
        {
            var offset = b * T.Bytes;
            if ((b & 1) == 0)
            {
                WeightMajorTile.PrefetchRows(w0, w1, w2, w3, w4, w5, w6, w7, offset + ahead);
            }

            // Rows r and r + 4 share a register (lanes), then a 4 x 4 dword transpose per lane: vector k holds quant
            // bytes 4k..4k+3 of rows 0..7, i.e. positions 4k..4k+3 (low nibbles) and 16+4k.. (high nibbles).
            var x0 = Vector256.Create(Sse2.LoadVector128(w0 + offset + 2), Sse2.LoadVector128(w4 + offset + 2)).AsInt32();
            var x1 = Vector256.Create(Sse2.LoadVector128(w1 + offset + 2), Sse2.LoadVector128(w5 + offset + 2)).AsInt32();
            var x2 = Vector256.Create(Sse2.LoadVector128(w2 + offset + 2), Sse2.LoadVector128(w6 + offset + 2)).AsInt32();
            var x3 = Vector256.Create(Sse2.LoadVector128(w3 + offset + 2), Sse2.LoadVector128(w7 + offset + 2)).AsInt32();
            var t0 = Avx2.UnpackLow(x0, x1).AsInt64();
            var t1 = Avx2.UnpackHigh(x0, x1).AsInt64();
            var t2 = Avx2.UnpackLow(x2, x3).AsInt64();
            var t3 = Avx2.UnpackHigh(x2, x3).AsInt64();
            var dw = Vector256.Create(
                Fp16.Read(ref table, w0 + offset),
                Fp16.Read(ref table, w1 + offset),
                Fp16.Read(ref table, w2 + offset),
                Fp16.Read(ref table, w3 + offset),
                Fp16.Read(ref table, w4 + offset),
                Fp16.Read(ref table, w5 + offset),
                Fp16.Read(ref table, w6 + offset),
                Fp16.Read(ref table, w7 + offset));

            Products<TW>(Avx2.UnpackLow(t0, t2).AsByte(), q0, q1, q2, q3, 0, out var h0, out var h1, out var h2, out var h3);
            Accumulate<TW>(Avx2.UnpackHigh(t0, t2).AsByte(), q0, q1, q2, q3, 1, ref h0, ref h1, ref h2, ref h3);
            Accumulate<TW>(Avx2.UnpackLow(t1, t3).AsByte(), q0, q1, q2, q3, 2, ref h0, ref h1, ref h2, ref h3);
            Accumulate<TW>(Avx2.UnpackHigh(t1, t3).AsByte(), q0, q1, q2, q3, 3, ref h0, ref h1, ref h2, ref h3);

            var ones = Vector256.Create((short)1);
            acc0 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h0, ones), s0, dw, acc0);
            acc1 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h1, ones), s1, dw, acc1);
            if (TW.Count >= 3)
            {
                acc2 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h2, ones), s2, dw, acc2);
            }

            if (TW.Count == 4)
            {
                acc3 = WeightMajorTile.AddScaled(Avx2.MultiplyAddAdjacent(h3, ones), s3, dw, acc3);
            }
        }

        WeightMajorTile.EmitTile(acc0, acc1, acc2, acc3, output, outputStride, count, rows, accumulate: false);
    }

    /// <summary>16-bit sums for transposed quant vector <paramref name="k"/>: its low nibbles are positions 4k..4k+3,
    /// its high nibbles 16+4k..; two vpmaddubsw per activation (8 pairs of 2 x 15 x 127 fit in 16 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Products<TW>(Vector256<byte> raw, byte* q0, byte* q1, byte* q2, byte* q3, int k,
        out Vector256<short> h0, out Vector256<short> h1, out Vector256<short> h2, out Vector256<short> h3)
        where TW : ITileWidth
    {
        var mask = Vector256.Create((byte)0x0F);
        var low = raw & mask;
        var high = Avx2.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & mask;
        h0 = Avx2.MultiplyAddAdjacent(low, Avx2Ops.BroadcastDword(q0 + (4 * k))) + Avx2.MultiplyAddAdjacent(high, Avx2Ops.BroadcastDword(q0 + 16 + (4 * k)));
        h1 = Avx2.MultiplyAddAdjacent(low, Avx2Ops.BroadcastDword(q1 + (4 * k))) + Avx2.MultiplyAddAdjacent(high, Avx2Ops.BroadcastDword(q1 + 16 + (4 * k)));
        h2 = TW.Count >= 3
            ? Avx2.MultiplyAddAdjacent(low, Avx2Ops.BroadcastDword(q2 + (4 * k))) + Avx2.MultiplyAddAdjacent(high, Avx2Ops.BroadcastDword(q2 + 16 + (4 * k)))
            : default;
        h3 = TW.Count == 4
            ? Avx2.MultiplyAddAdjacent(low, Avx2Ops.BroadcastDword(q3 + (4 * k))) + Avx2.MultiplyAddAdjacent(high, Avx2Ops.BroadcastDword(q3 + 16 + (4 * k)))
            : default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Accumulate<TW>(Vector256<byte> raw, byte* q0, byte* q1, byte* q2, byte* q3, int k,
        ref Vector256<short> h0, ref Vector256<short> h1, ref Vector256<short> h2, ref Vector256<short> h3)
        where TW : ITileWidth
    {
        Products<TW>(raw, q0, q1, q2, q3, k, out var p0, out var p1, out var p2, out var p3);
        h0 += p0;
        h1 += p1;
        if (TW.Count >= 3)
        {
            h2 += p2;
        }

        if (TW.Count == 4)
        {
            h3 += p3;
        }
    }

}
