using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// The weight-major tile with vpdpbusd (AVX-VNNI): the same 8-row panel, but each broadcast activation dword is
/// multiplied and summed into the rows' int32 lanes by one instruction instead of vpmaddubsw + vpmaddwd (+ the
/// sign moves for signed formats), and eight activations share each panel vector instead of four.
/// <para>
/// vpdpbusd multiplies unsigned by signed bytes and never saturates, so the panel holds unsigned bytes: offset
/// formats' stored quants (Q4_0: q + 8), and for signed formats (Q8_0, IQ4_NL) the value plus 128. Either way the
/// offset comes back out per block through the activation's correction <c>-offset * d_a * sum(q_a)</c>, as in the
/// AVX2 tile. The activations of each 8-tile are packed once per segment: per block, vector j's eight dwords are
/// bytes 4j..4j+3 of the tile's eight activations, so one pointer walks the whole tile and every broadcast is a
/// plain vpbroadcastd load.
/// </para>
/// <para>
/// Per block and activation this is 8 broadcasts, 8 vpdpbusd, a conversion and two fused adds for 256 products;
/// the AVX2 tile needs 8 broadcasts and 16 (offset formats) to 32 (signed) multiply-adds for the same.
/// </para>
/// </summary>
internal static partial class WeightMajorTile
{
    /// <summary>Fewer activations than this keep the activation-major tiles on VNNI hardware: the panel's decoding
    /// is paid once per 8 rows and shared by the activations, which needs enough of them.</summary>
    public const int MinVnniActivations = 8;

    /// <summary>Added to signed formats' values in the VNNI panel so that they are unsigned bytes (1..255).</summary>
    private const int SignedBias = 128;

    private const int VnniWidth = 8;

    // Per tile and block: eight dwords of quants for each of the 8 panel vectors.
    private const int VnniQuantBytes = VnniWidth * 32;

    [ThreadStatic]
    private static byte[]? t_vnniQuants;

    [ThreadStatic]
    private static float[]? t_vnniScales;

    /// <summary>The offset the VNNI panel carries for format <typeparamref name="T"/>.</summary>
    private static int VnniOffset<T>()
        where T : ISignedBlock32 => T.Offset != 0 ? T.Offset : SignedBias;

    /// <summary>As <see cref="MatMul{T}"/>, with vpdpbusd sums (emulated exactly with AVX2 where AVX-VNNI is missing).</summary>
    public static unsafe void MatMulVnni<T>(byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
        where T : ISignedBlock32
    {
        var nb = n / 32;
        var tiles = (nAct + VnniWidth - 1) / VnniWidth;
        var segmentBlocks = Math.Min(SegmentBlocks, nb);
        var panelBuffer = t_panel ??= GC.AllocateUninitializedArray<byte>((SegmentBlocks * PanelBlockBytes) + 32, pinned: true);
        var needQuants = tiles * segmentBlocks * VnniQuantBytes;
        var quantBuffer = t_vnniQuants is { } q && q.Length >= needQuants ? q : (t_vnniQuants = GC.AllocateUninitializedArray<byte>(needQuants, pinned: true));
        var needScales = tiles * segmentBlocks * VnniWidth * 2;
        var scaleBuffer = t_vnniScales is { } s && s.Length >= needScales ? s : (t_vnniScales = GC.AllocateUninitializedArray<float>(needScales, pinned: true));
        fixed (byte* panelStart = panelBuffer)
        fixed (byte* quants = quantBuffer)
        fixed (float* scales = scaleBuffer)
        {
            var panel = (byte*)(((nint)panelStart + 31) & ~(nint)31);
            for (var s0 = 0; s0 < nb; s0 += SegmentBlocks)
            {
                var segment = Math.Min(SegmentBlocks, nb - s0);
                PackVnniActivations<T>(a + ((long)s0 * Q8Layout.Q8_0Bytes), aStride, nAct, tiles, segment, quants, scales);
                for (var rg = r0; rg < r1; rg += Rows)
                {
                    var rows = Math.Min(Rows, r1 - rg);
                    DecodePanel<T>(w + (rg * wStride) + ((long)s0 * T.Bytes), wStride, rows, segment, panel, biasSigned: true);
                    for (var t = 0; t < tiles; t++)
                    {
                        var i = t * VnniWidth;
                        VnniTile(
                            panel,
                            segment,
                            quants + ((long)t * segment * VnniQuantBytes),
                            scales + ((long)t * segment * VnniWidth * 2),
                            output + ((long)i * outputStride) + rg,
                            outputStride,
                            Math.Min(VnniWidth, nAct - i),
                            rows,
                            accumulate: s0 > 0);
                    }
                }
            }
        }
    }

    /// <summary>Packs the segment's activations tile by tile: quants at [tile][block][j][lane][4 bytes], and per lane
    /// the scale d_a and correction -offset * d_a * sum(q_a) at [tile][block][lane][2]. Lanes past the last
    /// activation repeat it (computed, never stored).</summary>
    private static unsafe void PackVnniActivations<T>(byte* a, int aStride, int nAct, int tiles, int segment, byte* quants, float* scales)
        where T : ISignedBlock32
    {
        ref var table = ref Fp16.TableStart;
        var offset = VnniOffset<T>();
        var ones = Vector256.Create((byte)1);
        for (var lane = 0; lane < tiles * VnniWidth; lane++)
        {
            var block = a + ((long)Math.Min(lane, nAct - 1) * aStride);
            var t = lane / VnniWidth;
            var l = lane % VnniWidth;
            var q = quants + ((long)t * segment * VnniQuantBytes) + (l * 4);
            var pair = scales + ((long)t * segment * VnniWidth * 2) + (l * 2);
            for (var b = 0; b < segment; b++, block += Q8Layout.Q8_0Bytes, q += VnniQuantBytes, pair += VnniWidth * 2)
            {
                var values = (uint*)(block + 2);
                for (var j = 0; j < 8; j++)
                {
                    *(uint*)(q + (j * VnniWidth * 4)) = Unsafe.ReadUnaligned<uint>(values + j);
                }

                var d = Fp16.Read(ref table, block);
                pair[0] = d;
                pair[1] = -offset * d * Avx2Ops.Sum(Avx2Ops.DotUnsigned(ones, Avx.LoadVector256((sbyte*)(block + 2))));
            }
        }
    }

    /// <summary>Eight panel rows times one packed 8-activation tile over the segment; writes or adds the first
    /// <paramref name="rows"/> results of the first <paramref name="count"/> activations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void VnniTile(byte* panel, int segment, byte* q, float* s, float* output, int outputStride, int count, int rows, bool accumulate)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        var acc4 = Vector256<float>.Zero;
        var acc5 = Vector256<float>.Zero;
        var acc6 = Vector256<float>.Zero;
        var acc7 = Vector256<float>.Zero;
        for (var b = 0; b < segment; b++, panel += PanelBlockBytes, q += VnniQuantBytes, s += VnniWidth * 2)
        {
            var p0 = Vector256<int>.Zero;
            var p1 = Vector256<int>.Zero;
            var p2 = Vector256<int>.Zero;
            var p3 = Vector256<int>.Zero;
            var p4 = Vector256<int>.Zero;
            var p5 = Vector256<int>.Zero;
            var p6 = Vector256<int>.Zero;
            var p7 = Vector256<int>.Zero;
            VnniStep(panel, q, 0, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            VnniStep(panel, q, 1, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            VnniStep(panel, q, 2, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            VnniStep(panel, q, 3, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            VnniStep(panel, q, 4, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            VnniStep(panel, q, 5, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            VnniStep(panel, q, 6, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            VnniStep(panel, q, 7, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            var dw = Avx.LoadAlignedVector256((float*)(panel + (Rows * 32)));
            acc0 = AddScaled(p0, s, dw, acc0);
            acc1 = AddScaled(p1, s + 2, dw, acc1);
            acc2 = AddScaled(p2, s + 4, dw, acc2);
            acc3 = AddScaled(p3, s + 6, dw, acc3);
            acc4 = AddScaled(p4, s + 8, dw, acc4);
            acc5 = AddScaled(p5, s + 10, dw, acc5);
            acc6 = AddScaled(p6, s + 12, dw, acc6);
            acc7 = AddScaled(p7, s + 14, dw, acc7);
        }

        EmitTile(acc0, acc1, acc2, acc3, output, outputStride, Math.Min(count, 4), rows, accumulate);
        if (count > 4)
        {
            EmitTile(acc4, acc5, acc6, acc7, output + (4L * outputStride), outputStride, count - 4, rows, accumulate);
        }
    }

    /// <summary>Panel vector <paramref name="j"/> times the tile's eight activations' dword j, summed into each
    /// activation's row lanes (written out: the JIT does not unroll the loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void VnniStep(byte* panel, byte* q, int j,
        ref Vector256<int> p0, ref Vector256<int> p1, ref Vector256<int> p2, ref Vector256<int> p3,
        ref Vector256<int> p4, ref Vector256<int> p5, ref Vector256<int> p6, ref Vector256<int> p7)
    {
        var v = Avx.LoadAlignedVector256(panel + (32 * j));
        var a = q + (j * VnniWidth * 4);
        p0 = VnniDots.Add(p0, v, Avx2Ops.BroadcastDword(a));
        p1 = VnniDots.Add(p1, v, Avx2Ops.BroadcastDword(a + 4));
        p2 = VnniDots.Add(p2, v, Avx2Ops.BroadcastDword(a + 8));
        p3 = VnniDots.Add(p3, v, Avx2Ops.BroadcastDword(a + 12));
        p4 = VnniDots.Add(p4, v, Avx2Ops.BroadcastDword(a + 16));
        p5 = VnniDots.Add(p5, v, Avx2Ops.BroadcastDword(a + 20));
        p6 = VnniDots.Add(p6, v, Avx2Ops.BroadcastDword(a + 24));
        p7 = VnniDots.Add(p7, v, Avx2Ops.BroadcastDword(a + 28));
    }
}
