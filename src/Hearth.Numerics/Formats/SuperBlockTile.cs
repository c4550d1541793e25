using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// AVX2 product of k-quant super-blocks with eight Q8_K activations at a time, vectorised across the activations as
/// <see cref="SignedTileProduct"/> is for 32-blocks: the activations are packed once per call so that one 32-byte
/// vector holds the same 4 positions of all eight, each weight row's decoded 4 bytes are repeated across a register
/// by one in-lane vpshufd, and one vpmaddubsw advances all eight. A group's 16-bit sums are widened by the vpmaddwd
/// that applies the group's integer scale, so a super-block's integer sum stays in one register per row; mins (and
/// the bias of formats with signed values, taken out first) are folded in once per super-block from the packed
/// activation group sums. Two to four activations (batched generation) are packed twice over, and two weight rows share
/// each register, one per 128-bit lane (<see cref="TwoRowLanes"/>), so the same loop serves them at 8-lane efficiency.
/// <para>
/// Why: the row tile (<see cref="SuperBlock"/>) spends a vpmaddubsw and a vpmaddwd per 32 products of every
/// activation; this one a vpmaddubsw per 32 and a vpmaddwd per 128 or 256. Measured on AMD EPYC Zen 3 (one core,
/// 2048 x 2048 weights x 128 activations, L2-resident) in docs/benchmarks.md.
/// </para>
/// <para>
/// Unsigned formats (Q2_K, Q4_K, Q5_K) multiply their quants directly. Signed ones (Q3_K, Q6_K) add their bias
/// back (Q6_K: q + 32 is the stored 6-bit value) and subtract <c>d * bias * sum_g scale_g * bsum_g</c>, the same
/// correction as a min of <c>bias * scale_g</c>.
/// </para>
/// </summary>
internal static class SuperBlockTile
{
    private const int Width = 8;

    // Largest |q_a| of a Q8_K activation (ggml quantize_row_q8_K: round(x * 127 / amax)).
    private const int MaxActivation = 127;

    // Packed super-block: 8 slices x 8 vectors x 32 bytes of quants, 8 f32 activation scales, 8 vectors of
    // group-sum pairs (bsums 2k and 2k + 1 of every activation).
    private const int QuantBytes = 8 * 256;
    private const int ScaleOffset = QuantBytes;
    private const int BsumOffset = ScaleOffset + (4 * Width);
    private const int PackedBytes = BsumOffset + 256;

    // Rows ahead that the tile loops prefetch: the weights stream from the mapped file, whose 4 KiB pages stop the
    // hardware prefetchers (a k-quant row is 1-5 KiB), and with four activations the loop does too little work per
    // byte to hide the misses: the first read of each super-block (its scales) took ~20% of a Q4_K_M 4-sequence
    // step in the profile. Same distance as SignedTileProduct's tiles.
    private const int PrefetchRows = 8;

    [ThreadStatic]
    private static byte[]? t_packed;

    /// <summary>The fewest activations worth a (zero-padded) 8-tile; two to four take the two-row form.</summary>
    public const int MinActivations = 5;

    /// <summary>Whether format <typeparamref name="T"/> has a tile form.</summary>
    public static bool Supports<T>()
        where T : ISuperBlock => T.TileMaxQuant > 0;

    /// <summary>
    /// Multiplies rows [<paramref name="r0"/>, <paramref name="r1"/>) with activations in groups of eight (the last
    /// group zero-padded when it has at least <see cref="MinActivations"/>), then the two to four left (batched
    /// generation) with two weight rows per register; returns how many activations it did, a prefix of
    /// <paramref name="nAct"/> (a single one is left to the dot).
    /// </summary>
    public static unsafe int MatMul<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISuperBlock
    {
        var nb = n / 256;
        var need = nb * PackedBytes;
        var buffer = t_packed is { } b && b.Length >= need ? b : (t_packed = GC.AllocateUninitializedArray<byte>(need, pinned: true));
        var zero = stackalloc byte[Q8Layout.Q8_KBytes];
        new Span<byte>(zero, Q8Layout.Q8_KBytes).Clear();
        var sources = stackalloc byte*[Width];
        var done = 0;
        fixed (byte* packed = buffer)
        {
            while (nAct - done >= MinActivations)
            {
                var count = Math.Min(Width, nAct - done);
                for (var c = 0; c < Width; c++)
                {
                    sources[c] = c < count ? a + ((long)(done + c) * aStride) : null;
                }

                Pack(sources, nb, zero, mirrored: false, packed);
                for (var r = r0; r < r1; r++)
                {
                    var sums = Rows<T, OneRowLanes>(w + (r * wStride), null, PrefetchRows * wStride, packed, nb);
                    for (var c = 0; c < count; c++)
                    {
                        output[((long)(done + c) * outputStride) + r] = sums.GetElement(c);
                    }
                }

                done += count;
            }

            if (nAct - done >= 2)
            {
                // Two to four left (batched generation): mirrored, two weight rows per register.
                var count = nAct - done;
                for (var c = 0; c < 4; c++)
                {
                    sources[c] = c < count ? a + ((long)(done + c) * aStride) : null;
                }

                Pack(sources, nb, zero, mirrored: true, packed);
                for (var r = r0; r < r1; r += 2)
                {
                    var both = r + 1 < r1;
                    var sums = Rows<T, TwoRowLanes>(w + (r * wStride), w + ((both ? r + 1 : r) * wStride), PrefetchRows * wStride, packed, nb);
                    for (var c = 0; c < count; c++)
                    {
                        var column = output + ((long)(done + c) * outputStride) + r;
                        column[0] = sums.GetElement(c);
                        if (both)
                        {
                            column[1] = sums.GetElement(4 + c);
                        }
                    }
                }

                done += count;
            }
        }

        return done;
    }

    /// <summary>Packs eight Q8_K rows (null = zeros), or (<paramref name="mirrored"/>) four rows twice over for the
    /// two-row form, super-block by super-block into the tile layout.</summary>
    private static unsafe void Pack(byte** sources, int nb, byte* zero, bool mirrored, byte* packed)
    {
        var blocks = stackalloc byte*[Width];
        var rows = mirrored ? 4 : Width;
        for (var b = 0; b < nb; b++, packed += PackedBytes)
        {
            for (var c = 0; c < rows; c++)
            {
                blocks[c] = sources[c] == null ? zero : sources[c] + ((long)b * Q8Layout.Q8_KBytes);
            }

            var scales = (float*)(packed + ScaleOffset);
            for (var c = 0; c < Width; c++)
            {
                scales[c] = Unsafe.ReadUnaligned<float>(blocks[c % rows]);
            }

            if (mirrored)
            {
                for (var j = 0; j < 8; j++)
                {
                    DwordTranspose.FourTwice(blocks, Q8Layout.Q8_KQs + (32 * j), packed + (256 * j));
                }

                DwordTranspose.FourTwice(blocks, Q8Layout.Q8_KBsums, packed + BsumOffset);
            }
            else
            {
                for (var j = 0; j < 8; j++)
                {
                    DwordTranspose.Eight(blocks, Q8Layout.Q8_KQs + (32 * j), packed + (256 * j));
                }

                DwordTranspose.Eight(blocks, Q8Layout.Q8_KBsums, packed + BsumOffset);
            }
        }
    }

    /// <summary>
    /// The tile loop over a row's super-blocks: one row against eight activations (<see cref="OneRowLanes"/>), or
    /// row <paramref name="w0"/> in lanes 0..3 and <paramref name="w1"/> in lanes 4..7 against four activations
    /// packed twice (<see cref="TwoRowLanes"/>; the row tile's 4-wide form ran at ~0.6x of the 8-tile per product).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe Vector256<float> Rows<T, TL>(byte* w0, byte* w1, long ahead, byte* packed, int nb)
        where T : ISuperBlock
        where TL : ILaneLayout
    {
        var acc = Vector256<float>.Zero;
        var minAcc = Vector256<float>.Zero;

        // Each row's group scales (each int16 twice per dword) and mins (pairs per dword), stored once per
        // super-block so the slices broadcast them with vpbroadcastd loads: a cross-lane vpermd per slice made the
        // Q4_K tile ~1.5x slower on Zen 3.
        var scales0 = stackalloc int[16];
        var minPairs0 = stackalloc int[8];
        var scales1 = stackalloc int[16];
        var minPairs1 = stackalloc int[8];
        var bytes0 = T.Bytes;
        var bytes1 = TL.TwoRows ? T.Bytes : 0;
        for (var b = 0; b < nb; b++, w0 += bytes0, w1 += bytes1, packed += PackedBytes)
        {
            for (var line = 0; line < T.Bytes; line += 64)
            {
                Sse.Prefetch0(w0 + ahead + line);
                if (TL.TwoRows)
                {
                    Sse.Prefetch0(w1 + ahead + line);
                }
            }

            Vector256<float> d, dmin;
            if (TL.TwoRows)
            {
                d = Prepare<T, TL>(w0, w1, scales0, scales1, minPairs0, minPairs1, out dmin);
            }
            else
            {
                d = Prepare<T>(w0, scales0, minPairs0, out dmin);
            }

            // Unrolled so that every slice index is a constant: the decoders' shifts become immediates.
            var s = Slice<T, TL>(w0, w1, packed, scales0, scales1, 0) + Slice<T, TL>(w0, w1, packed, scales0, scales1, 1);
            s += Slice<T, TL>(w0, w1, packed, scales0, scales1, 2) + Slice<T, TL>(w0, w1, packed, scales0, scales1, 3);
            s += Slice<T, TL>(w0, w1, packed, scales0, scales1, 4) + Slice<T, TL>(w0, w1, packed, scales0, scales1, 5);
            s += Slice<T, TL>(w0, w1, packed, scales0, scales1, 6) + Slice<T, TL>(w0, w1, packed, scales0, scales1, 7);
            var da = Avx.LoadVector256((float*)(packed + ScaleOffset));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(s), d * da, acc);

            // Every format with a tile form has mins or a bias to take out.
            var m = TL.TwoRows ? MinSumsCall<TL>(minPairs0, minPairs1, packed + BsumOffset) : MinSums<TL>(minPairs0, minPairs1, packed + BsumOffset);
            minAcc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(m), dmin * da, minAcc);
        }

        return acc - minAcc;
    }

    /// <summary>Both rows' super-block scales and min pairs into the stack arrays; d and dmin per lane. A call, for
    /// the same inlining budget as <see cref="MinSumsCall{TL}"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe Vector256<float> Prepare<T, TL>(byte* w0, byte* w1, int* scales0, int* scales1, int* minPairs0, int* minPairs1, out Vector256<float> dmin)
        where T : ISuperBlock
        where TL : ILaneLayout
    {
        if (TL.TwoRows && T.PreparesRowPairs)
        {
            T.PrepareRowPairAvx2(w0, w1, scales0, scales1, minPairs0, minPairs1, out var pairD, out dmin);
            return pairD;
        }

        var d = Prepare<T>(w0, scales0, minPairs0, out dmin);
        if (TL.TwoRows)
        {
            var d1 = Prepare<T>(w1, scales1, minPairs1, out var dmin1);
            d = Vector256.Create(d.GetLower(), d1.GetLower());
            dmin = Vector256.Create(dmin.GetLower(), dmin1.GetLower());
        }

        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<float> Prepare<T>(byte* w, int* scales, int* minPairs, out Vector256<float> dmin)
        where T : ISuperBlock
    {
        var (lo, hi) = T.PrepareAvx2(w, out var mins, out var d, out var dm);
        if (T.TileBias != 0)
        {
            mins = BiasMins(lo, hi, T.TileBias);
            dm = d;
        }

        Avx.Store(scales, lo);
        Avx.Store(scales + 8, hi);
        Avx.Store(minPairs, mins.AsInt32());
        dmin = Vector256.Create(dm);
        return Vector256.Create(d);
    }

    /// <summary>Integer products of slice <paramref name="j"/> (values 32j .. 32j + 31, groups 2j and 2j + 1) with
    /// the tile, each group scaled by its integer scale: one int32 per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Slice<T, TL>(byte* w0, byte* w1, byte* packed, int* scales0, int* scales1, [System.Diagnostics.CodeAnalysis.ConstantExpected(Max = 7)] int j)
        where T : ISuperBlock
        where TL : ILaneLayout
    {
        Vector256<uint> low, high;
        if (T.DecodesHalves)
        {
            T.DecodeHalvesAvx2<TL>(w0, w1, j, out var l, out var h);
            low = l.AsUInt32();
            high = h.AsUInt32();
        }
        else if (TL.TwoRows)
        {
            var q0 = Biased<T>(w0, j);
            var q1 = Biased<T>(w1, j);
            low = Avx2.Permute2x128(q0, q1, 0x20).AsUInt32();    // values 0..15 of each row in its lane
            high = Avx2.Permute2x128(q0, q1, 0x31).AsUInt32();   // values 16..31
        }
        else
        {
            var q = Biased<T>(w0, j);
            low = Avx2.Permute4x64(q.AsUInt64(), 0x44).AsUInt32();    // values 0..15 in both 128-bit lanes
            high = Avx2.Permute4x64(q.AsUInt64(), 0xEE).AsUInt32();   // values 16..31
        }

        var at = packed + (256 * j);
        var p0 = Product(Avx2.Shuffle(low, 0x00), at);
        var p1 = Product(Avx2.Shuffle(low, 0x55), at + 32);
        var p2 = Product(Avx2.Shuffle(low, 0xAA), at + 64);
        var p3 = Product(Avx2.Shuffle(low, 0xFF), at + 96);
        var p4 = Product(Avx2.Shuffle(high, 0x00), at + 128);
        var p5 = Product(Avx2.Shuffle(high, 0x55), at + 160);
        var p6 = Product(Avx2.Shuffle(high, 0xAA), at + 192);
        var p7 = Product(Avx2.Shuffle(high, 0xFF), at + 224);
        var first = TL.Dword(scales0, scales1, 2 * j).AsInt16();
        var second = TL.Dword(scales0, scales1, (2 * j) + 1).AsInt16();

        // vpmaddubsw pairs reach 2 * max(q) * 127; a group's four are summed in 16 bits where they cannot overflow.
        if (short.MaxValue / (2 * T.TileMaxQuant * MaxActivation) >= 4)
        {
            return Avx2.MultiplyAddAdjacent((p0 + p1) + (p2 + p3), first) + Avx2.MultiplyAddAdjacent((p4 + p5) + (p6 + p7), second);
        }

        return (Avx2.MultiplyAddAdjacent(p0 + p1, first) + Avx2.MultiplyAddAdjacent(p2 + p3, first))
            + (Avx2.MultiplyAddAdjacent(p4 + p5, second) + Avx2.MultiplyAddAdjacent(p6 + p7, second));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<byte> Biased<T>(byte* w, int j)
        where T : ISuperBlock
    {
        var q = T.DecodeAvx2(w, j);
        return T.TileBias != 0 ? q + Vector256.Create((byte)T.TileBias) : q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<short> Product(Vector256<uint> weights, byte* activations) =>
        Avx2.MultiplyAddAdjacent(weights.AsByte(), Avx.LoadVector256((sbyte*)activations));

    /// <summary><see cref="MinSums{TL}"/> as a call (once per super-block): inlined into the two-row tile loop it took
    /// the JIT past its inlining budget for Q6_K, which then called even the one-instruction helpers. The one-row loop
    /// inlines it (the calls cost it ~10%).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe Vector256<int> MinSumsCall<TL>(int* minPairs0, int* minPairs1, byte* bsums)
        where TL : ILaneLayout => MinSums<TL>(minPairs0, minPairs1, bsums);

    /// <summary>sum_g min_g * bsum_g for every lane: min pair k (groups 2k, 2k + 1) against packed vector k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> MinSums<TL>(int* minPairs0, int* minPairs1, byte* bsums)
        where TL : ILaneLayout
    {
        var s0 = MinPair<TL>(minPairs0, minPairs1, bsums, 0) + MinPair<TL>(minPairs0, minPairs1, bsums, 1);
        var s1 = MinPair<TL>(minPairs0, minPairs1, bsums, 2) + MinPair<TL>(minPairs0, minPairs1, bsums, 3);
        var s2 = MinPair<TL>(minPairs0, minPairs1, bsums, 4) + MinPair<TL>(minPairs0, minPairs1, bsums, 5);
        var s3 = MinPair<TL>(minPairs0, minPairs1, bsums, 6) + MinPair<TL>(minPairs0, minPairs1, bsums, 7);
        return (s0 + s1) + (s2 + s3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> MinPair<TL>(int* minPairs0, int* minPairs1, byte* bsums, int k)
        where TL : ILaneLayout =>
        Avx2.MultiplyAddAdjacent(TL.Dword(minPairs0, minPairs1, k).AsInt16(), Avx.LoadVector256((short*)(bsums + (32 * k))));

    /// <summary>The 16 group scales (PrepareAvx2's duplicated pairs) times <paramref name="bias"/> as int16 in group
    /// order: the "mins" that take a signed format's bias back out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> BiasMins(Vector256<int> lo, Vector256<int> hi, int bias)
    {
        // Each int32 lane holds scale_g in both halves; the low half, sign-extended, is scale_g.
        var first = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(lo, 16), 16);
        var second = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(hi, 16), 16);
        var packedScales = Avx2.Permute4x64(Avx2.PackSignedSaturate(first, second).AsUInt64(), 0xD8).AsInt16();
        return Avx2.MultiplyLow(packedScales, Vector256.Create((short)bias));
    }
}
