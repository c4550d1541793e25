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
        for (var i = 0; i < threads; i++)
        {
            _scores[i] = new NativeBuffer<float>();
            _query[i] = new NativeBuffer<float>();
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
        for (var i = 0; i < q.Length; i++)
        {
            q[i] = (float)(Half)src[i];
        }

        var scores = new Span<float>(_scores[thread].Ensure((long)group * count), group * count);
        var keys = new ReadOnlySpan<Half>(_cache.Keys(_layer, token.Slot, kvHead), rows);
        GroupedAttention.Scores(keys, hd, count, q, group, hd, _scale, scores);

        for (var g = 0; g < group; g++)
        {
            Softmax(scores.Slice(g * count, count));
        }

        var output = new Span<float>(_output + ((long)t * _heads * hd) + (firstHead * hd), group * hd);
        output.Clear();
        var values = new ReadOnlySpan<Half>(_cache.Values(_layer, token.Slot, kvHead), rows);
        GroupedAttention.Accumulate(values, hd, count, scores, group, hd, output);
    }

    /// <summary>Softmax as ggml_vec_soft_max_f32 (exp(x - max), the sum in double), each weight rounded to F16.</summary>
    private static void Softmax(Span<float> scores)
    {
        var max = float.NegativeInfinity;
        foreach (var s in scores)
        {
            max = MathF.Max(max, s);
        }

        double sum = 0;
        for (var p = 0; p < scores.Length; p++)
        {
            var e = MathF.Exp(scores[p] - max);
            scores[p] = e;
            sum += e;
        }

        var inv = (float)(1.0 / sum);
        for (var p = 0; p < scores.Length; p++)
        {
            scores[p] = (float)(Half)(scores[p] * inv);
        }
    }
}
