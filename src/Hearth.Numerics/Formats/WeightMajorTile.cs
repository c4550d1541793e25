using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// AVX2 matrix product of 32-blocks with Q8_0 activations (Q4_0, Q5_0, Q8_0, IQ4_NL) for five or more activations
/// (prompts, larger generation batches), vectorised across weight rows instead of activations.
/// <para>
/// Eight weight rows are decoded once into a panel: per block, vector j holds quants 4j..4j+3 of all eight rows (an
/// 8 x 8 dword transpose of the decoded blocks), then the rows' eight f32 scales. Each activation's four bytes
/// 4j..4j+3 are then broadcast straight from its Q8_0 row by a load (vpbroadcastd, no shuffle unit), and one
/// vpmaddubsw advances all eight rows. The activation-major tile (<see cref="SignedTileProduct"/>) needs a vpshufd
/// per product to repeat the weights instead, plus the block's decoding per row: ~31 vector operations per 256
/// products against ~19 here, where the decoding is paid once per panel and shared by every activation.
/// </para>
/// <para>
/// Four activations share each panel vector (4 x 8-row accumulators, their 16-bit sums, the vector, a broadcast, the
/// scales and the ones use 14 of the 16 registers). The offset (q - 8, q - 16) is folded into a per-activation
/// correction <c>-offset * d_a * sum(q_a)</c>, computed once per call with the activation scale, so a block costs
/// <c>acc += d_w * (d_a * sum(q_w * q_a) + correction)</c>: two fused adds per activation.
/// </para>
/// <para>
/// The reduction dimension is cut into segments of <see cref="SegmentBlocks"/> blocks so that the panel (18 KiB) stays
/// in L1 and the activations' segment (2.1 KiB each) in L2 while every activation passes over it; later segments add
/// to the outputs.
/// </para>
/// <para>
/// Measured (AMD EPYC Zen 3, Q4_0, 2048 x 2048 weights x 128 activations, one core): 71-74 -> 114-127 GFLOP/s
/// (Q5_0: 52-60 -> 116-122; Q8_0, whose signed products cost twice the operations: 81 -> 94-97); llama-1b pp128 with
/// 2 threads: Q4_0 74-79 -> 106 tokens/s, Q8_0 51-62 -> 66-74.
/// </para>
/// </summary>
internal static partial class WeightMajorTile
{
    /// <summary>Fewer activations than this keep the activation-major tile. In a kernel probe with the weights in L2
    /// this tile wins from 2 activations on (Q4_0, 2048 x 2048: 55 vs 51 GFLOP/s at 2, 86 vs 66 at 5, 155 vs 78-107
    /// at 16); in batched generation, where the weights stream from memory, the two-row tile with its prefetching
    /// measured faster at 2 and 4 sequences (4-sequence step 58-63 ms against 70-86). Q4_0 keeps
    /// <see cref="NibbleRowTile"/> up to its <see cref="NibbleRowTile.MaxActivations"/>.</summary>
    public const int MinActivations = 5;

    private const int Rows = 8;
    private const int TileActivations = 4;

    // 64 blocks = 2048 values: one panel is 64 x 288 B = 18 KiB (L1 is 32 KiB on Zen 3 and recent Intel cores).
    private const int SegmentBlocks = 64;

    // Eight transposed vectors of 32 bytes, then eight f32 row scales.
    private const int PanelBlockBytes = (Rows * 32) + (Rows * 4);

    // Largest |q_a| of a Q8_0 activation: quantised as round(x / (amax / 127)).
    private const int MaxActivation = 127;

    [ThreadStatic]
    private static byte[]? t_panel;

    [ThreadStatic]
    private static float[]? t_scales;

    /// <summary>Rows [<paramref name="r0"/>, <paramref name="r1"/>) of the weights times <paramref name="nAct"/>
    /// Q8_0 activation rows; output[i * outputStride + r] as <see cref="WeightKernel.MatMul"/> describes.</summary>
    public static unsafe void MatMul<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
    {
        var nb = n / 32;
        var panelBuffer = t_panel ??= GC.AllocateUninitializedArray<byte>((SegmentBlocks * PanelBlockBytes) + 32, pinned: true);
        var needScales = nAct * SegmentBlocks * 2;
        var scaleBuffer = t_scales is { } s && s.Length >= needScales ? s : (t_scales = GC.AllocateUninitializedArray<float>(needScales, pinned: true));
        fixed (byte* panelStart = panelBuffer)
        fixed (float* scales = scaleBuffer)
        {
            var panel = (byte*)(((nint)panelStart + 31) & ~(nint)31);
            for (var s0 = 0; s0 < nb; s0 += SegmentBlocks)
            {
                var segment = Math.Min(SegmentBlocks, nb - s0);
                var aSegment = a + ((long)s0 * Q8Layout.Q8_0Bytes);
                ActivationScales<T>(aSegment, aStride, nAct, segment, scales);
                for (var rg = r0; rg < r1; rg += Rows)
                {
                    var rows = Math.Min(Rows, r1 - rg);
                    DecodePanel<T>(w + (rg * wStride) + ((long)s0 * T.Bytes), wStride, rows, segment, panel, biasSigned: false);
                    for (var i = 0; i < nAct; i += TileActivations)
                    {
                        // A short last tile repeats its last activation; those lanes are computed and not stored.
                        var count = Math.Min(TileActivations, nAct - i);
                        var i1 = i + Math.Min(1, count - 1);
                        var i2 = i + Math.Min(2, count - 1);
                        var i3 = i + Math.Min(3, count - 1);
                        Tile<T>(
                            panel,
                            segment,
                            aSegment + ((long)i * aStride) + 2,
                            aSegment + ((long)i1 * aStride) + 2,
                            aSegment + ((long)i2 * aStride) + 2,
                            aSegment + ((long)i3 * aStride) + 2,
                            scales + (i * segment * 2),
                            scales + (i1 * segment * 2),
                            scales + (i2 * segment * 2),
                            scales + (i3 * segment * 2),
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

    /// <summary>Per activation and block of the segment: the f32 scale d_a and the offset's correction
    /// -offset * d_a * sum(q_a), at scales[(i * segment + b) * 2].</summary>
    internal static unsafe void ActivationScales<T>(byte* a, int aStride, int nAct, int segment, float* scales)
        where T : ISignedBlock32 =>
        ActivationScales<T>(a, aStride, nAct, segment, scales, segment * 2, 2);

    /// <summary>As above, with activation i's pair for block b at scales[i * <paramref name="actPitch"/> + b *
    /// <paramref name="blockPitch"/>] (an interleaved layout keeps one pointer for all of a tile's activations).</summary>
    internal static unsafe void ActivationScales<T>(byte* a, int aStride, int nAct, int segment, float* scales, int actPitch, int blockPitch)
        where T : ISignedBlock32
    {
        ref var table = ref Fp16.TableStart;
        var ones = Vector256.Create((byte)1);
        for (var i = 0; i < nAct; i++)
        {
            var block = a + ((long)i * aStride);
            var pair = scales + (i * actPitch);
            for (var b = 0; b < segment; b++, block += Q8Layout.Q8_0Bytes, pair += blockPitch)
            {
                var d = Fp16.Read(ref table, block);
                pair[0] = d;
                pair[1] = T.Offset == 0 ? 0f : -T.Offset * d * Avx2Ops.Sum(Avx2Ops.DotUnsigned(ones, Avx.LoadVector256((sbyte*)(block + 2))));
            }
        }
    }

    /// <summary>Decodes <paramref name="rows"/> (1..8) weight rows' blocks into the panel layout; missing rows repeat
    /// the last one (their lanes are never stored). With <paramref name="biasSigned"/>, signed formats' values are
    /// stored plus 128 (<see cref="SignedBias"/>), so that every panel byte is unsigned (the VNNI tile).</summary>
    private static unsafe void DecodePanel<T>(byte* w, long wStride, int rows, int segment, byte* panel, bool biasSigned)
        where T : ISignedBlock32
    {
        var bias = biasSigned && T.Offset == 0 ? Vector256.Create(unchecked((int)0x80808080)) : Vector256<int>.Zero;
        ref var table = ref Fp16.TableStart;
        var last = rows - 1;
        var w0 = w;
        var w1 = w + (Math.Min(1, last) * wStride);
        var w2 = w + (Math.Min(2, last) * wStride);
        var w3 = w + (Math.Min(3, last) * wStride);
        var w4 = w + (Math.Min(4, last) * wStride);
        var w5 = w + (Math.Min(5, last) * wStride);
        var w6 = w + (Math.Min(6, last) * wStride);
        var w7 = w + (Math.Min(7, last) * wStride);
        var ahead = Rows * wStride;
        for (var b = 0; b < segment; b++, panel += PanelBlockBytes)
        {
            var offset = b * T.Bytes;
            if ((b & 3) == 0)
            {
                // The next panel's rows, read while this one's tiles run: the weights are pages of the mapped file,
                // where hardware prefetchers stop at every 4 KiB edge.
                PrefetchRows(w0, w1, w2, w3, w4, w5, w6, w7, offset + ahead);
            }

            DwordTranspose.Eight(
                Decode<T>(w0 + offset) ^ bias,
                Decode<T>(w1 + offset) ^ bias,
                Decode<T>(w2 + offset) ^ bias,
                Decode<T>(w3 + offset) ^ bias,
                Decode<T>(w4 + offset) ^ bias,
                Decode<T>(w5 + offset) ^ bias,
                Decode<T>(w6 + offset) ^ bias,
                Decode<T>(w7 + offset) ^ bias,
                panel);
            Avx.Store((float*)(panel + (Rows * 32)), Vector256.Create(
                Fp16.Read(ref table, w0 + offset),
                Fp16.Read(ref table, w1 + offset),
                Fp16.Read(ref table, w2 + offset),
                Fp16.Read(ref table, w3 + offset),
                Fp16.Read(ref table, w4 + offset),
                Fp16.Read(ref table, w5 + offset),
                Fp16.Read(ref table, w6 + offset),
                Fp16.Read(ref table, w7 + offset)));
        }
    }

    /// <summary>Prefetches byte <paramref name="at"/> of eight rows (the next 8-row group's blocks, read ahead of use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void PrefetchRows(byte* w0, byte* w1, byte* w2, byte* w3, byte* w4, byte* w5, byte* w6, byte* w7, long at)
    {
        Sse.Prefetch0(w0 + at);
        Sse.Prefetch0(w1 + at);
        Sse.Prefetch0(w2 + at);
        Sse.Prefetch0(w3 + at);
        Sse.Prefetch0(w4 + at);
        Sse.Prefetch0(w5 + at);
        Sse.Prefetch0(w6 + at);
        Sse.Prefetch0(w7 + at);
    }

    /// <summary>Unsigned quants for offset formats, signed values otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> Decode<T>(byte* block)
        where T : ISignedBlock32 =>
        T.Offset != 0 ? T.DecodeUnsignedAvx2(block).AsInt32() : T.DecodeAvx2(block).AsInt32();

    /// <summary>Eight panel rows times four activations (quants at <paramref name="q0"/>..<paramref name="q3"/>, one
    /// Q8_0 block apart per block) over the segment; writes or adds the first <paramref name="rows"/> results of the
    /// first <paramref name="count"/> activations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Tile<T>(
        byte* panel, int segment, byte* q0, byte* q1, byte* q2, byte* q3, float* s0, float* s1, float* s2, float* s3,
        float* output, int outputStride, int count, int rows, bool accumulate)
        where T : ISignedBlock32
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        for (var b = 0; b < segment; b++, panel += PanelBlockBytes, q0 += Q8Layout.Q8_0Bytes, q1 += Q8Layout.Q8_0Bytes,
            q2 += Q8Layout.Q8_0Bytes, q3 += Q8Layout.Q8_0Bytes, s0 += 2, s1 += 2, s2 += 2, s3 += 2)
        {
            var dw = Avx.LoadAlignedVector256((float*)(panel + (Rows * 32)));
            BlockSums<T>(panel, q0, q1, q2, q3, out var p0, out var p1, out var p2, out var p3);
            acc0 = AddScaled(p0, s0, dw, acc0);
            acc1 = AddScaled(p1, s1, dw, acc1);
            acc2 = AddScaled(p2, s2, dw, acc2);
            acc3 = AddScaled(p3, s3, dw, acc3);
        }

        EmitTile(acc0, acc1, acc2, acc3, output, outputStride, count, rows, accumulate);
    }

    /// <summary>Integer products of one panel block with four activations' blocks, one int32 per row. vpmaddubsw pairs
    /// reach 2 * (2 * offset - 1) * 127, so up to 32767 / that many are summed in 16 bits before widening (Q4_0: all
    /// eight, Q5_0: four).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void BlockSums<T>(byte* panel, byte* q0, byte* q1, byte* q2, byte* q3,
        out Vector256<int> p0, out Vector256<int> p1, out Vector256<int> p2, out Vector256<int> p3)
        where T : ISignedBlock32
    {
        var ones = Vector256.Create((short)1);
        if (T.Offset == 0)
        {
            SignedProducts(panel, q0, q1, q2, q3, out p0, out p1, out p2, out p3);
            return;
        }

        var perWidening = short.MaxValue / (2 * ((2 * T.Offset) - 1) * MaxActivation);
        if (perWidening >= 8)
        {
            Products(panel, q0, q1, q2, q3, 0, out var l0, out var l1, out var l2, out var l3);
            Products(panel, q0, q1, q2, q3, 4, out var h0, out var h1, out var h2, out var h3);
            p0 = Avx2.MultiplyAddAdjacent(l0 + h0, ones);
            p1 = Avx2.MultiplyAddAdjacent(l1 + h1, ones);
            p2 = Avx2.MultiplyAddAdjacent(l2 + h2, ones);
            p3 = Avx2.MultiplyAddAdjacent(l3 + h3, ones);
        }
        else
        {
            Products(panel, q0, q1, q2, q3, 0, out var l0, out var l1, out var l2, out var l3);
            Products(panel, q0, q1, q2, q3, 4, out var h0, out var h1, out var h2, out var h3);
            p0 = Avx2.MultiplyAddAdjacent(l0, ones) + Avx2.MultiplyAddAdjacent(h0, ones);
            p1 = Avx2.MultiplyAddAdjacent(l1, ones) + Avx2.MultiplyAddAdjacent(h1, ones);
            p2 = Avx2.MultiplyAddAdjacent(l2, ones) + Avx2.MultiplyAddAdjacent(h2, ones);
            p3 = Avx2.MultiplyAddAdjacent(l3, ones) + Avx2.MultiplyAddAdjacent(h3, ones);
        }
    }

    /// <summary>16-bit sums of panel vectors <paramref name="from"/>..+3 times each activation's matching four bytes,
    /// broadcast (written out: the JIT does not unroll the loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Products(byte* panel, byte* q0, byte* q1, byte* q2, byte* q3, int from,
        out Vector256<short> h0, out Vector256<short> h1, out Vector256<short> h2, out Vector256<short> h3)
    {
        var v = Avx.LoadAlignedVector256(panel + (32 * from));
        h0 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q0 + (4 * from)));
        h1 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q1 + (4 * from)));
        h2 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q2 + (4 * from)));
        h3 = Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q3 + (4 * from)));
        Accumulate(panel, q0, q1, q2, q3, from + 1, ref h0, ref h1, ref h2, ref h3);
        Accumulate(panel, q0, q1, q2, q3, from + 2, ref h0, ref h1, ref h2, ref h3);
        Accumulate(panel, q0, q1, q2, q3, from + 3, ref h0, ref h1, ref h2, ref h3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Accumulate(byte* panel, byte* q0, byte* q1, byte* q2, byte* q3, int j,
        ref Vector256<short> h0, ref Vector256<short> h1, ref Vector256<short> h2, ref Vector256<short> h3)
    {
        var v = Avx.LoadAlignedVector256(panel + (32 * j));
        h0 += Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q0 + (4 * j)));
        h1 += Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q1 + (4 * j)));
        h2 += Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q2 + (4 * j)));
        h3 += Avx2.MultiplyAddAdjacent(v, Avx2Ops.BroadcastDword(q3 + (4 * j)));
    }

    /// <summary>Signed values (Q8_0, IQ4_NL) times each activation: vpmaddubsw wants one unsigned operand, so the
    /// panel vector's magnitudes multiply the broadcast activation bytes carrying the weights' signs (the reference's
    /// mul_sum_i8_pairs_float). A pair reaches 2 x 127 x 127, so every product is widened to 32 bits at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SignedProducts(byte* panel, byte* q0, byte* q1, byte* q2, byte* q3,
        out Vector256<int> p0, out Vector256<int> p1, out Vector256<int> p2, out Vector256<int> p3)
    {
        p0 = p1 = p2 = p3 = Vector256<int>.Zero;
        SignedAccumulate(panel, q0, q1, q2, q3, 0, ref p0, ref p1, ref p2, ref p3);
        SignedAccumulate(panel, q0, q1, q2, q3, 1, ref p0, ref p1, ref p2, ref p3);
        SignedAccumulate(panel, q0, q1, q2, q3, 2, ref p0, ref p1, ref p2, ref p3);
        SignedAccumulate(panel, q0, q1, q2, q3, 3, ref p0, ref p1, ref p2, ref p3);
        SignedAccumulate(panel, q0, q1, q2, q3, 4, ref p0, ref p1, ref p2, ref p3);
        SignedAccumulate(panel, q0, q1, q2, q3, 5, ref p0, ref p1, ref p2, ref p3);
        SignedAccumulate(panel, q0, q1, q2, q3, 6, ref p0, ref p1, ref p2, ref p3);
        SignedAccumulate(panel, q0, q1, q2, q3, 7, ref p0, ref p1, ref p2, ref p3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SignedAccumulate(byte* panel, byte* q0, byte* q1, byte* q2, byte* q3, int j,
        ref Vector256<int> p0, ref Vector256<int> p1, ref Vector256<int> p2, ref Vector256<int> p3)
    {
        var v = Avx.LoadAlignedVector256((sbyte*)(panel + (32 * j)));
        var magnitude = Avx2.Abs(v);
        p0 += SignedProduct(magnitude, v, q0 + (4 * j));
        p1 += SignedProduct(magnitude, v, q1 + (4 * j));
        p2 += SignedProduct(magnitude, v, q2 + (4 * j));
        p3 += SignedProduct(magnitude, v, q3 + (4 * j));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<int> SignedProduct(Vector256<byte> magnitude, Vector256<sbyte> signs, byte* q) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Avx2Ops.BroadcastDword(q), signs)), Vector256.Create((short)1));


    /// <summary>acc += d_w * (d_a * sums + correction) for one block of one activation, whose d_a and offset correction
    /// sit at <paramref name="scale"/>[0] and [1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector256<float> AddScaled(Vector256<int> sums, float* scale, Vector256<float> dw, Vector256<float> acc) =>
        Fma.MultiplyAdd(Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), Vector256.Create(scale[0]), Vector256.Create(scale[1])), dw, acc);

    /// <summary>Writes (or adds) a tile's four row-vectors: the first <paramref name="rows"/> results of each of the
    /// first <paramref name="count"/> activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void EmitTile(
        Vector256<float> acc0, Vector256<float> acc1, Vector256<float> acc2, Vector256<float> acc3, float* output, int outputStride, int count, int rows, bool accumulate)
    {
        Emit(acc0, output, rows, accumulate);
        if (count > 1)
        {
            Emit(acc1, output + outputStride, rows, accumulate);
        }

        if (count > 2)
        {
            Emit(acc2, output + (2 * outputStride), rows, accumulate);
        }

        if (count > 3)
        {
            Emit(acc3, output + (3 * outputStride), rows, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Emit(Vector256<float> sums, float* output, int rows, bool accumulate)
    {
        if (rows == Rows)
        {
            Avx.Store(output, accumulate ? sums + Avx.LoadVector256(output) : sums);
            return;
        }

        for (var r = 0; r < rows; r++)
        {
            output[r] = accumulate ? output[r] + sums.GetElement(r) : sums.GetElement(r);
        }
    }
}
