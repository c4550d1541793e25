using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics;

/// <summary>
/// Attention products over F16 key and value rows for a group of query heads that share one KV head (grouped-query
/// attention: Llama 3.2 1B has 32 query heads over 8 KV heads). Each cached row is widened to f32 once per group
/// instead of once per head, and one call covers every position, so the per-position cost is the widening and the
/// fused multiply-adds, nothing else.
/// <para>
/// Layout: row p of the cache starts at <c>p * stride</c> halves; the group's queries are <c>group</c> rows of
/// <c>dim</c> floats; scores and weights are <c>group</c> rows of <c>count</c> floats; outputs are <c>group</c> rows of
/// <c>dim</c> floats.
/// </para>
/// </summary>
public static class GroupedAttention
{
    // Heads per pass: four accumulators stay in registers beside the widened row.
    private const int HeadsPerPass = 4;

    /// <summary><c>scores[g * count + p] = scale * dot(keys[p], queries[g])</c> for p &lt; count, g &lt; group.</summary>
    public static void Scores(ReadOnlySpan<Half> keys, int stride, int count, ReadOnlySpan<float> queries, int group, int dim, float scale, Span<float> scores) =>
        ScoresWith(WeightKernels.Path, keys, stride, count, queries, group, dim, scale, scores);

    /// <summary><c>outputs[g * dim + i] += sum over p of weights[g * count + p] * values[p][i]</c>.</summary>
    public static void Accumulate(ReadOnlySpan<Half> values, int stride, int count, ReadOnlySpan<float> weights, int group, int dim, Span<float> outputs) =>
        AccumulateWith(WeightKernels.Path, values, stride, count, weights, group, dim, outputs);

    internal static unsafe void ScoresWith(KernelPath path, ReadOnlySpan<Half> keys, int stride, int count, ReadOnlySpan<float> queries, int group, int dim, float scale, Span<float> scores)
    {
        Check(keys.Length, stride, count, queries.Length, group, dim, scores.Length, count);
        fixed (Half* k = keys)
        fixed (float* q = queries)
        fixed (float* s = scores)
        {
            if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
            {
                ScoresAvx2((ushort*)k, stride, count, q, group, dim, scale, s);
            }
            else
            {
                ScoresScalar((ushort*)k, stride, count, q, group, dim, scale, s);
            }
        }
    }

    internal static unsafe void AccumulateWith(KernelPath path, ReadOnlySpan<Half> values, int stride, int count, ReadOnlySpan<float> weights, int group, int dim, Span<float> outputs)
    {
        Check(values.Length, stride, count, outputs.Length, group, dim, weights.Length, count);
        fixed (Half* v = values)
        fixed (float* w = weights)
        fixed (float* o = outputs)
        {
            if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
            {
                AccumulateAvx2((ushort*)v, stride, count, w, group, dim, o);
            }
            else
            {
                AccumulateScalar((ushort*)v, stride, count, w, group, dim, o);
            }
        }
    }

    private static unsafe void ScoresScalar(ushort* keys, int stride, int count, float* queries, int group, int dim, float scale, float* scores)
    {
        for (var p = 0; p < count; p++)
        {
            var row = keys + ((long)p * stride);
            for (var g = 0; g < group; g++)
            {
                var q = queries + ((long)g * dim);
                var sum = 0f;
                for (var i = 0; i < dim; i++)
                {
                    sum += Fp16.ToFloat(row[i]) * q[i];
                }

                scores[((long)g * count) + p] = sum * scale;
            }
        }
    }

    private static unsafe void AccumulateScalar(ushort* values, int stride, int count, float* weights, int group, int dim, float* outputs)
    {
        for (var p = 0; p < count; p++)
        {
            var row = values + ((long)p * stride);
            for (var g = 0; g < group; g++)
            {
                var w = weights[((long)g * count) + p];
                var o = outputs + ((long)g * dim);
                for (var i = 0; i < dim; i++)
                {
                    o[i] += w * Fp16.ToFloat(row[i]);
                }
            }
        }
    }

    /// <summary>Rows widened per block: 32 rows of a 128-dim head are 16 KiB of f32, which stays in L1 while every
    /// query pass reads them.</summary>
    private const int BlockRows = 32;

    [ThreadStatic]
    private static float[]? t_widened;

    /// <summary>Widens <paramref name="rows"/> F16 rows (stride <paramref name="stride"/> halves) into f32 rows of
    /// <paramref name="dim"/> floats; exact, so every product below equals the one on the F16 row.</summary>
    private static unsafe void Widen(ushort* rows, int stride, int count, int dim, float* widened)
    {
        var vectorDim = dim & ~7;
        for (var p = 0; p < count; p++)
        {
            var row = rows + ((long)p * stride);
            var dst = widened + ((long)p * dim);
            var i = 0;
            for (; i < vectorDim; i += 8)
            {
                Avx.Store(dst + i, Avx2Ops.HalfToFloat(Sse2.LoadVector128(row + i)));
            }

            for (; i < dim; i++)
            {
                dst[i] = Fp16.ToFloat(row[i]);
            }
        }
    }

    private static float[] WidenedBuffer(int dim) =>
        t_widened is { } w && w.Length >= BlockRows * dim ? w : (t_widened = GC.AllocateUninitializedArray<float>(BlockRows * dim, pinned: true));

    // The rows are widened once per block of BlockRows and then read by every pass of four heads: a call for many
    // queries (several tokens of one prompt against the same keys) pays the F16 widening once per row, not once per
    // query pass.
    private static unsafe void ScoresAvx2(ushort* keys, int stride, int count, float* queries, int group, int dim, float scale, float* scores)
    {
        var vectorDim = dim & ~7;
        fixed (float* widened = WidenedBuffer(dim))
        {
            for (var p0 = 0; p0 < count; p0 += BlockRows)
            {
                var rows = Math.Min(BlockRows, count - p0);
                Widen(keys + ((long)p0 * stride), stride, rows, dim, widened);
                for (var g0 = 0; g0 < group; g0 += HeadsPerPass)
                {
                    // A group that is not a multiple of four repeats its first head in the spare accumulators; those
                    // sums are not stored.
                    var heads = Math.Min(HeadsPerPass, group - g0);
                    var q0 = queries + ((long)g0 * dim);
                    var q1 = heads > 1 ? q0 + dim : q0;
                    var q2 = heads > 2 ? q0 + (2 * dim) : q0;
                    var q3 = heads > 3 ? q0 + (3 * dim) : q0;
                    for (var p = 0; p < rows; p++)
                    {
                        var row = widened + ((long)p * dim);
                        var acc0 = Vector256<float>.Zero;
                        var acc1 = Vector256<float>.Zero;
                        var acc2 = Vector256<float>.Zero;
                        var acc3 = Vector256<float>.Zero;
                        var i = 0;
                        for (; i < vectorDim; i += 8)
                        {
                            var k = Avx.LoadVector256(row + i);
                            acc0 = Fma.MultiplyAdd(k, Avx.LoadVector256(q0 + i), acc0);
                            acc1 = Fma.MultiplyAdd(k, Avx.LoadVector256(q1 + i), acc1);
                            acc2 = Fma.MultiplyAdd(k, Avx.LoadVector256(q2 + i), acc2);
                            acc3 = Fma.MultiplyAdd(k, Avx.LoadVector256(q3 + i), acc3);
                        }

                        float s0 = Avx2Ops.Sum(acc0), s1 = Avx2Ops.Sum(acc1), s2 = Avx2Ops.Sum(acc2), s3 = Avx2Ops.Sum(acc3);
                        for (; i < dim; i++)
                        {
                            var k = row[i];
                            s0 += k * q0[i];
                            s1 += k * q1[i];
                            s2 += k * q2[i];
                            s3 += k * q3[i];
                        }

                        var at = scores + ((long)g0 * count) + p0 + p;
                        at[0] = s0 * scale;
                        if (heads > 1)
                        {
                            at[count] = s1 * scale;
                        }

                        if (heads > 2)
                        {
                            at[2L * count] = s2 * scale;
                        }

                        if (heads > 3)
                        {
                            at[3L * count] = s3 * scale;
                        }
                    }
                }
            }
        }
    }

    // As for the scores, rows are widened once per block. Each pass of four heads then keeps 16 output floats per head
    // in registers across the block's rows (8 accumulators, two row loads and four weight broadcasts per row), adding
    // in the same order, row by row, as one head at a time would.
    private static unsafe void AccumulateAvx2(ushort* values, int stride, int count, float* weights, int group, int dim, float* outputs)
    {
        var spare = stackalloc float[dim];   // the spare heads of a partial pass add into this
        fixed (float* widened = WidenedBuffer(dim))
        {
            for (var p0 = 0; p0 < count; p0 += BlockRows)
            {
                var rows = Math.Min(BlockRows, count - p0);
                Widen(values + ((long)p0 * stride), stride, rows, dim, widened);
                for (var g0 = 0; g0 < group; g0 += HeadsPerPass)
                {
                    var heads = Math.Min(HeadsPerPass, group - g0);
                    var o0 = outputs + ((long)g0 * dim);
                    var o1 = heads > 1 ? o0 + dim : spare;
                    var o2 = heads > 2 ? o0 + (2 * dim) : spare;
                    var o3 = heads > 3 ? o0 + (3 * dim) : spare;
                    var w0 = weights + ((long)g0 * count) + p0;
                    var w1 = heads > 1 ? w0 + count : w0;
                    var w2 = heads > 2 ? w0 + (2L * count) : w0;
                    var w3 = heads > 3 ? w0 + (3L * count) : w0;
                    AccumulatePass(widened, rows, dim, w0, w1, w2, w3, o0, o1, o2, o3);
                }
            }
        }
    }

    private static unsafe void AccumulatePass(float* widened, int rows, int dim, float* w0, float* w1, float* w2, float* w3, float* o0, float* o1, float* o2, float* o3)
    {
        var i = 0;
        for (; i + 16 <= dim; i += 16)
        {
            var a0 = Avx.LoadVector256(o0 + i);
            var b0 = Avx.LoadVector256(o0 + i + 8);
            var a1 = Avx.LoadVector256(o1 + i);
            var b1 = Avx.LoadVector256(o1 + i + 8);
            var a2 = Avx.LoadVector256(o2 + i);
            var b2 = Avx.LoadVector256(o2 + i + 8);
            var a3 = Avx.LoadVector256(o3 + i);
            var b3 = Avx.LoadVector256(o3 + i + 8);
            var row = widened + i;
            for (var p = 0; p < rows; p++, row += dim)
            {
                var v = Avx.LoadVector256(row);
                var u = Avx.LoadVector256(row + 8);
                var x = Vector256.Create(w0[p]);
                a0 = Fma.MultiplyAdd(v, x, a0);
                b0 = Fma.MultiplyAdd(u, x, b0);
                x = Vector256.Create(w1[p]);
                a1 = Fma.MultiplyAdd(v, x, a1);
                b1 = Fma.MultiplyAdd(u, x, b1);
                x = Vector256.Create(w2[p]);
                a2 = Fma.MultiplyAdd(v, x, a2);
                b2 = Fma.MultiplyAdd(u, x, b2);
                x = Vector256.Create(w3[p]);
                a3 = Fma.MultiplyAdd(v, x, a3);
                b3 = Fma.MultiplyAdd(u, x, b3);
            }

            // A partial pass points its spare heads at one buffer (or, by weight, at head 0's): those stores are
            // never read back as results, whatever order they land in.
            Avx.Store(o3 + i, a3);
            Avx.Store(o3 + i + 8, b3);
            Avx.Store(o2 + i, a2);
            Avx.Store(o2 + i + 8, b2);
            Avx.Store(o1 + i, a1);
            Avx.Store(o1 + i + 8, b1);
            Avx.Store(o0 + i, a0);
            Avx.Store(o0 + i + 8, b0);
        }

        for (; i + 8 <= dim; i += 8)
        {
            var a0 = Avx.LoadVector256(o0 + i);
            var a1 = Avx.LoadVector256(o1 + i);
            var a2 = Avx.LoadVector256(o2 + i);
            var a3 = Avx.LoadVector256(o3 + i);
            var row = widened + i;
            for (var p = 0; p < rows; p++, row += dim)
            {
                var v = Avx.LoadVector256(row);
                a0 = Fma.MultiplyAdd(v, Vector256.Create(w0[p]), a0);
                a1 = Fma.MultiplyAdd(v, Vector256.Create(w1[p]), a1);
                a2 = Fma.MultiplyAdd(v, Vector256.Create(w2[p]), a2);
                a3 = Fma.MultiplyAdd(v, Vector256.Create(w3[p]), a3);
            }

            Avx.Store(o3 + i, a3);
            Avx.Store(o2 + i, a2);
            Avx.Store(o1 + i, a1);
            Avx.Store(o0 + i, a0);
        }

        for (; i < dim; i++)
        {
            var row = widened + i;
            for (var p = 0; p < rows; p++, row += dim)
            {
                var v = *row;
                o0[i] += w0[p] * v;
                o1[i] += w1[p] * v;
                o2[i] += w2[p] * v;
                o3[i] += w3[p] * v;
            }
        }
    }

    private static void Check(int rowsLength, int stride, int count, int perHeadLength, int group, int dim, int perPositionLength, int positions)
    {
        if (count < 0 || group <= 0 || dim <= 0 || stride < dim)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Invalid shape: count {count}, group {group}, dim {dim}, stride {stride}.");
        }

        if (count > 0 && rowsLength < ((long)(count - 1) * stride) + dim)
        {
            throw new ArgumentException($"{count} rows of stride {stride} need {((long)(count - 1) * stride) + dim} halves; got {rowsLength}.");
        }

        if (perHeadLength < (long)group * dim || perPositionLength < (long)group * positions)
        {
            throw new ArgumentException($"Buffers too small for {group} heads of {dim} over {positions} positions.");
        }
    }
}
