using System.Numerics.Tensors;
using Hearth.Numerics;

namespace Hearth.Engine.Execution;

/// <summary>
/// Causal grouped-query attention over the F16 cache, one (token, KV head) pair per item: the query heads that share
/// the KV head are scored and accumulated together, so each cached row is widened once per group
/// (<see cref="GroupedAttention"/>). Like the reference with an F16 cache, the queries and the softmax weights are
/// rounded to F16 before their products with the cached keys and values.
/// </summary>
internal sealed unsafe class AttentionJob : ParallelJob
{
    private readonly NativeBuffer<float>[] _scores;
    private readonly NativeBuffer<float>[] _query;
    private readonly NativeBuffer<Half>[] _halves;
    private KvCache _cache = null!;
    private BatchToken[] _batch = [];
    private float* _q;
    private float* _output;
    private int _layer;
    private int _heads;
    private int _kvHeads;
    private int _headDim;
    private float _scale;

    public AttentionJob(int threads)
    {
        _scores = new NativeBuffer<float>[threads];
        _query = new NativeBuffer<float>[threads];
        _halves = new NativeBuffer<Half>[threads];
        for (var i = 0; i < threads; i++)
        {
            _scores[i] = new NativeBuffer<float>();
            _query[i] = new NativeBuffer<float>();
            _halves[i] = new NativeBuffer<Half>();
        }
    }

    public void Set(KvCache cache, BatchToken[] batch, int layer, float* q, float* output, int heads, int kvHeads, int headDim)
    {
        _cache = cache;
        _batch = batch;
        _layer = layer;
        _q = q;
        _output = output;
        _heads = heads;
        _kvHeads = kvHeads;
        _headDim = headDim;
        _scale = 1f / MathF.Sqrt(headDim);
    }

    public override void Execute(int item, int thread)
    {
        var t = item / _kvHeads;
        var kvHead = item % _kvHeads;
        var group = _heads / _kvHeads;
        var firstHead = kvHead * group;
        var token = _batch[t];
        var count = token.Position + 1;     // positions 0..Position of this slot (earlier batch tokens are already stored)
        var hd = _headDim;
        var rows = count * hd;

        var q = new Span<float>(_query[thread].Ensure(group * hd), group * hd);
        var src = new ReadOnlySpan<float>(_q + ((long)t * _heads * hd) + (firstHead * hd), group * hd);
        var halves = _halves[thread];
        RoundToHalf(src, q, halves);

        var scores = new Span<float>(_scores[thread].Ensure((long)group * count), group * count);
        var keys = new ReadOnlySpan<Half>(_cache.Keys(_layer, token.Slot, kvHead), rows);
        GroupedAttention.Scores(keys, hd, count, q, group, hd, _scale, scores);

        for (var g = 0; g < group; g++)
        {
            Softmax(scores.Slice(g * count, count), halves);
        }

        var output = new Span<float>(_output + ((long)t * _heads * hd) + (firstHead * hd), group * hd);
        output.Clear();
        var values = new ReadOnlySpan<Half>(_cache.Values(_layer, token.Slot, kvHead), rows);
        GroupedAttention.Accumulate(values, hd, count, scores, group, hd, output);
    }

    /// <summary>Softmax as ggml_vec_soft_max_f32 (exp(x - max), normalized), each weight rounded to F16. Vectorized:
    /// the scalar loop with a software F16 rounding per weight cost as much as the score products. The sum is in f32
    /// where the reference sums in double; over a context of n positions that moves a weight by ~n ulp at most.</summary>
    private static void Softmax(Span<float> scores, NativeBuffer<Half> halves)
    {
        var max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Multiply(scores, 1f / TensorPrimitives.Sum(scores), scores);
        RoundToHalf(scores, scores, halves);
    }

    /// <summary>destination = (float)(Half)source, through a per-thread F16 buffer.</summary>
    private static unsafe void RoundToHalf(ReadOnlySpan<float> source, Span<float> destination, NativeBuffer<Half> halves)
    {
        var h = new Span<Half>(halves.Ensure(source.Length), source.Length);
        TensorPrimitives.ConvertToHalf(source, h);
        TensorPrimitives.ConvertToSingle(h, destination);
    }
}
