using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// The weight-major product (<see cref="WeightMajorTile"/>) for k-quant super-blocks with many Q8_K activations
/// (prompts): eight weight rows are decoded once per segment into a panel, and each activation's bytes are
/// broadcast against it, so one vpmaddubsw advances eight rows.
/// <para>
/// Panel, per super-block: 64 vectors of quants (vector 8j + k holds values 32j + 4k .. + 3 of the eight rows, biased
/// to unsigned for Q3_K and Q6_K), 16 vectors of group scales (lane r: row r's scale in both int16 halves, what
/// vpmaddwd needs to widen and scale a group's 16-bit sums at once), 8 vectors of min pairs (lane r: row r's mins of
/// groups 2k and 2k + 1, against the activation's bsums 2k and 2k + 1 broadcast), then d and dmin of the rows. The
/// activations are read in place: their f32 scale, quants and group sums are broadcast straight from the Q8_K rows.
/// </para>
/// <para>
/// Per 256 products this is ~20 vector operations against ~30 for the activation-major <see cref="SuperBlockTile"/>,
/// whose vpshufd per product and per-row decoding it replaces by broadcast loads and a panel shared by every
/// activation. Measured in docs/benchmarks.md.
/// </para>
/// </summary>
internal static class SuperBlockWeightMajorTile
{
    /// <summary>Fewer activations than this keep the activation-major tile: a super-block panel (scales, mins and
    /// 8 x 8 transposes per row group) costs about five activations' products. Kernel probe, Q4_K 2048 x 2048, one
    /// core: 8 activations 65 vs 105 GFLOP/s, 16: 77-86 vs 78-106, 32: 91-147 vs 69-106, 128: 144-155 vs 74-102.</summary>
    public const int MinActivations = 32;

    private const int Rows = 8;
    private const int TileActivations = 4;

    // Largest |q_a| of a Q8_K activation (ggml quantize_row_q8_K: round(x * 127 / amax)).
    private const int MaxActivation = 127;

    // 8 super-blocks = 2048 values per segment: a 23 KiB panel, which stays in L1 while the tiles pass over it.
    private const int SegmentBlocks = 8;

    private const int QuantBytes = 64 * 32;
    private const int ScalesOffset = QuantBytes;
    private const int MinsOffset = ScalesOffset + (16 * 32);
    private const int DOffset = MinsOffset + (8 * 32);
    private const int DminOffset = DOffset + 32;
    private const int PanelBlockBytes = DminOffset + 32;

    [ThreadStatic]
    private static byte[]? t_panel;

    /// <summary>As <see cref="WeightMajorTile.MatMul{T}"/>, for super-block formats with a tile form
    /// (<see cref="SuperBlockTile.Supports{T}"/>) and Q8_K activations.</summary>
    public static unsafe void MatMul<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISuperBlock
    {
        var nb = n / 256;
        var panelBuffer = t_panel ??= GC.AllocateUninitializedArray<byte>((SegmentBlocks * PanelBlockBytes) + 32, pinned: true);
        fixed (byte* panelStart = panelBuffer)
        {
            var panel = (byte*)(((nint)panelStart + 31) & ~(nint)31);
            for (var s0 = 0; s0 < nb; s0 += SegmentBlocks)
            {
                var segment = Math.Min(SegmentBlocks, nb - s0);
                var aSegment = a + ((long)s0 * Q8Layout.Q8_KBytes);
                for (var rg = r0; rg < r1; rg += Rows)
                {
                    var rows = Math.Min(Rows, r1 - rg);
                    DecodePanel<T>(w + (rg * wStride) + ((long)s0 * T.Bytes), wStride, rows, segment, panel);
                    for (var i = 0; i < nAct; i += TileActivations)
                    {
                        // A short last tile repeats its last activation; those lanes are computed and not stored.
                        var count = Math.Min(TileActivations, nAct - i);
                        Tile<T>(
                            panel,
                            segment,
                            aSegment + ((long)i * aStride),
                            aSegment + ((long)(i + Math.Min(1, count - 1)) * aStride),
                            aSegment + ((long)(i + Math.Min(2, count - 1)) * aStride),
                            aSegment + ((long)(i + Math.Min(3, count - 1)) * aStride),
                            output + ((long)i * outputStride) + rg,
                            outputStride,
                            count,
                            rows,
                            accumulate: s0 > 0);
                    }
                }
            }
        }
    }

    /// <summary>Decodes <paramref name="rows"/> (1..8) weight rows' super-blocks into the panel layout; missing rows
    /// repeat the last one (their lanes are never stored).</summary>
    private static unsafe void DecodePanel<T>(byte* w, long wStride, int rows, int segment, byte* panel)
        where T : ISuperBlock
    {
        var source = stackalloc byte*[Rows];
        for (var r = 0; r < Rows; r++)
        {
            source[r] = w + (Math.Min(r, rows - 1) * wStride);
        }

        // Per row: 16 scale dwords, then 8 min-pair dwords (SuperBlockTile's layout), transposed below.
        const int RowInts = 24;
        var setup = stackalloc int[Rows * RowInts];
        var d = stackalloc float[Rows];
        var dmin = stackalloc float[Rows];
        for (var b = 0; b < segment; b++, panel += PanelBlockBytes)
        {
            var offset = b * T.Bytes;
            for (var r = 0; r < Rows; r++)
            {
                d[r] = SuperBlockTile.Prepare<T>(source[r] + offset, setup + (r * RowInts), setup + (r * RowInts) + 16, out var rowDmin).ToScalar();
                dmin[r] = rowDmin.ToScalar();
            }

            DwordTranspose.Eight((byte*)setup, RowInts * 4, panel + ScalesOffset);
            DwordTranspose.Eight((byte*)(setup + 8), RowInts * 4, panel + ScalesOffset + 256);
            DwordTranspose.Eight((byte*)(setup + 16), RowInts * 4, panel + MinsOffset);
            Avx.Store((float*)(panel + DOffset), Avx.LoadVector256(d));
            Avx.Store((float*)(panel + DminOffset), Avx.LoadVector256(dmin));
            for (var j = 0; j < 8; j++)
            {
                DwordTranspose.Eight(
                    SuperBlockTile.Biased<T>(source[0] + offset, j).AsInt32(),
                    SuperBlockTile.Biased<T>(source[1] + offset, j).AsInt32(),
                    SuperBlockTile.Biased<T>(source[2] + offset, j).AsInt32(),
                    SuperBlockTile.Biased<T>(source[3] + offset, j).AsInt32(),
                    SuperBlockTile.Biased<T>(source[4] + offset, j).AsInt32(),
                    SuperBlockTile.Biased<T>(source[5] + offset, j).AsInt32(),
                    SuperBlockTile.Biased<T>(source[6] + offset, j).AsInt32(),
                    SuperBlockTile.Biased<T>(source[7] + offset, j).AsInt32(),
                    panel + (256 * j));
            }
        }
    }

    /// <summary>Eight panel rows times four Q8_K activations (blocks at <paramref name="a0"/>..<paramref name="a3"/>)
    /// over the segment; writes or adds the first <paramref name="rows"/> results of the first
    /// <paramref name="count"/> activations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Tile<T>(
        byte* panel, int segment, byte* a0, byte* a1, byte* a2, byte* a3, float* output, int outputStride, int count, int rows, bool accumulate)
        where T : ISuperBlock
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        for (var b = 0; b < segment; b++, panel += PanelBlockBytes, a0 += Q8Layout.Q8_KBytes, a1 += Q8Layout.Q8_KBytes,
            a2 += Q8Layout.Q8_KBytes, a3 += Q8Layout.Q8_KBytes)
        {
            var s0 = Vector256<int>.Zero;
            var s1 = Vector256<int>.Zero;
            var s2 = Vector256<int>.Zero;
            var s3 = Vector256<int>.Zero;

            // Loops, not unrolled calls: unrolled, the body ran past the JIT's inlining budget and every group became a
            // call with its sums spilled (nothing in them depends on a constant index).
            for (var g = 0; g < 16; g++)
            {
                Group<T>(panel, a0, a1, a2, a3, g, ref s0, ref s1, ref s2, ref s3);
            }

            var m0 = Vector256<int>.Zero;
            var m1 = Vector256<int>.Zero;
            var m2 = Vector256<int>.Zero;
            var m3 = Vector256<int>.Zero;
            for (var k = 0; k < 8; k++)
            {
                var mins = Avx.LoadAlignedVector256((short*)(panel + MinsOffset + (32 * k)));
                var at = Q8Layout.Q8_KBsums + (4 * k);
                m0 += Avx2.MultiplyAddAdjacent(mins, Avx2Ops.BroadcastDword(a0 + at).AsInt16());
                m1 += Avx2.MultiplyAddAdjacent(mins, Avx2Ops.BroadcastDword(a1 + at).AsInt16());
                m2 += Avx2.MultiplyAddAdjacent(mins, Avx2Ops.BroadcastDword(a2 + at).AsInt16());
                m3 += Avx2.MultiplyAddAdjacent(mins, Avx2Ops.BroadcastDword(a3 + at).AsInt16());
            }

            // acc += d_a * (d_w * sum - dmin_w * sum_k minpair_k . bsum pair k)
            var dw = Avx.LoadAlignedVector256((float*)(panel + DOffset));
            var dmin = Avx.LoadAlignedVector256((float*)(panel + DminOffset));
            acc0 = Fma.MultiplyAdd(Fma.MultiplyAddNegated(dmin, Avx.ConvertToVector256Single(m0), dw * Avx.ConvertToVector256Single(s0)), Vector256.Create(*(float*)a0), acc0);
            acc1 = Fma.MultiplyAdd(Fma.MultiplyAddNegated(dmin, Avx.ConvertToVector256Single(m1), dw * Avx.ConvertToVector256Single(s1)), Vector256.Create(*(float*)a1), acc1);
            acc2 = Fma.MultiplyAdd(Fma.MultiplyAddNegated(dmin, Avx.ConvertToVector256Single(m2), dw * Avx.ConvertToVector256Single(s2)), Vector256.Create(*(float*)a2), acc2);
            acc3 = Fma.MultiplyAdd(Fma.MultiplyAddNegated(dmin, Avx.ConvertToVector256Single(m3), dw * Avx.ConvertToVector256Single(s3)), Vector256.Create(*(float*)a3), acc3);
        }

        WeightMajorTile.EmitTile(acc0, acc1, acc2, acc3, output, outputStride, count, rows, accumulate);
    }

    /// <summary>Group <paramref name="g"/> (values 16g .. 16g + 15, four panel vectors) of the four activations,
    /// scaled by the rows' group scales into the int32 sums. vpmaddubsw pairs reach 2 * max(q) * 127: the four are
    /// summed in 16 bits where that cannot overflow (Q2_K..Q5_K), in two halves otherwise (Q6_K).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Group<T>(byte* panel, byte* a0, byte* a1, byte* a2, byte* a3, int g,
        ref Vector256<int> s0, ref Vector256<int> s1, ref Vector256<int> s2, ref Vector256<int> s3)
        where T : ISuperBlock
    {
        var scale = Avx.LoadAlignedVector256((short*)(panel + ScalesOffset + (32 * g)));
        var quants = panel + (128 * g);
        var qa = Q8Layout.Q8_KQs + (16 * g);
        if (AvxVnni.IsSupported)
        {
            VnniGroup(quants, scale, a0 + qa, a1 + qa, a2 + qa, a3 + qa, ref s0, ref s1, ref s2, ref s3);
            return;
        }

        if (short.MaxValue / (2 * T.TileMaxQuant * MaxActivation) >= 4)
        {
            Pairs(quants, a0 + qa, a1 + qa, a2 + qa, a3 + qa, out var h0, out var h1, out var h2, out var h3);
            Pairs(quants + 64, a0 + qa + 8, a1 + qa + 8, a2 + qa + 8, a3 + qa + 8, out var l0, out var l1, out var l2, out var l3);
            s0 += Avx2.MultiplyAddAdjacent(h0 + l0, scale);
            s1 += Avx2.MultiplyAddAdjacent(h1 + l1, scale);
            s2 += Avx2.MultiplyAddAdjacent(h2 + l2, scale);
            s3 += Avx2.MultiplyAddAdjacent(h3 + l3, scale);
        }
        else
        {
            Pairs(quants, a0 + qa, a1 + qa, a2 + qa, a3 + qa, out var h0, out var h1, out var h2, out var h3);
            s0 += Avx2.MultiplyAddAdjacent(h0, scale);
            s1 += Avx2.MultiplyAddAdjacent(h1, scale);
            s2 += Avx2.MultiplyAddAdjacent(h2, scale);
            s3 += Avx2.MultiplyAddAdjacent(h3, scale);
            Pairs(quants + 64, a0 + qa + 8, a1 + qa + 8, a2 + qa + 8, a3 + qa + 8, out h0, out h1, out h2, out h3);
            s0 += Avx2.MultiplyAddAdjacent(h0, scale);
            s1 += Avx2.MultiplyAddAdjacent(h1, scale);
            s2 += Avx2.MultiplyAddAdjacent(h2, scale);
            s3 += Avx2.MultiplyAddAdjacent(h3, scale);
        }
    }

    /// <summary>
    /// <see cref="Group{T}"/> with vpdpbusd: each activation's 16 bytes meet the group's four panel vectors in four
    /// instructions that sum straight into int32 (no 16-bit stage, so no overflow split for Q6_K), and the rows' group
    /// scales multiply the sums with vpmulld. The integers equal the vpmaddubsw + vpmaddwd ones exactly: a group's sum
    /// is at most 16 x 63 x 127 and its scaled sum 16 x 63 x 127 x 127, far inside int32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void VnniGroup(byte* quants, Vector256<short> scale, byte* q0, byte* q1, byte* q2, byte* q3,
        ref Vector256<int> s0, ref Vector256<int> s1, ref Vector256<int> s2, ref Vector256<int> s3)
    {
        // Lane r holds row r's scale in both int16 halves; the low half, sign-extended, is the int32 scale.
        var scales = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(scale.AsInt32(), 16), 16);
        var v0 = Avx.LoadAlignedVector256(quants);
        var v1 = Avx.LoadAlignedVector256(quants + 32);
        var v2 = Avx.LoadAlignedVector256(quants + 64);
        var v3 = Avx.LoadAlignedVector256(quants + 96);
        s0 += Avx2.MultiplyLow(Quad(v0, v1, v2, v3, q0), scales);
        s1 += Avx2.MultiplyLow(Quad(v0, v1, v2, v3, q1), scales);
        s2 += Avx2.MultiplyLow(Quad(v0, v1, v2, v3, q2), scales);
        s3 += Avx2.MultiplyLow(Quad(v0, v1, v2, v3, q3), scales);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<int> Quad(Vector256<byte> v0, Vector256<byte> v1, Vector256<byte> v2, Vector256<byte> v3, byte* q)
        {
            var z = AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, v0, Avx2Ops.BroadcastDword(q));
            z = AvxVnni.MultiplyWideningAndAdd(z, v1, Avx2Ops.BroadcastDword(q + 4));
            z = AvxVnni.MultiplyWideningAndAdd(z, v2, Avx2Ops.BroadcastDword(q + 8));
            return AvxVnni.MultiplyWideningAndAdd(z, v3, Avx2Ops.BroadcastDword(q + 12));
        }
    }

    /// <summary>Two panel vectors (8 values of the rows) times each activation's matching 8 bytes, broadcast four at
    /// a time: 16-bit sums of two vpmaddubsw.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pairs(byte* quants, byte* q0, byte* q1, byte* q2, byte* q3,
        out Vector256<short> h0, out Vector256<short> h1, out Vector256<short> h2, out Vector256<short> h3)
    {
        var v = Avx.LoadAlignedVector256(quants);
        var u = Avx.LoadAlignedVector256(quants + 32);
        h0 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q0)) + Avx2.MultiplyAddAdjacent(u, Avx2Ops.BroadcastDword(q0 + 4));
        h1 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q1)) + Avx2.MultiplyAddAdjacent(u, Avx2Ops.BroadcastDword(q1 + 4));
        h2 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q2)) + Avx2.MultiplyAddAdjacent(u, Avx2Ops.BroadcastDword(q2 + 4));
        h3 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q3)) + Avx2.MultiplyAddAdjacent(u, Avx2Ops.BroadcastDword(q3 + 4));
    }

}
