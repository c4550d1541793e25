using Hearth.Numerics;

namespace Hearth.Engine.Execution;

/// <summary>
/// Causal grouped-query attention over the F16 cache, one (token, head) pair per item. Like the
/// reference with an F16 cache, the query and the softmax weights are rounded to F16 before their
/// products with the cached keys and values.
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
        var t = item / _heads;
        var h = item % _heads;
        var kvHead = h / (_heads / _kvHeads);
        var token = _batch[t];
        var count = token.Position + 1;     // positions 0..Position of this slot (earlier batch tokens are already stored)
        var hd = _headDim;
        var kvLength = _cache.KvLength;

        var q = new Span<float>(_query[thread].Ensure(hd), hd);
        var src = new ReadOnlySpan<float>(_q + ((long)t * _heads * hd) + (h * hd), hd);
        for (var i = 0; i < hd; i++)
        {
            q[i] = (float)(Half)src[i];
        }

        var scores = new Span<float>(_scores[thread].Ensure(count), count);
        var keys = _cache.KeyRow(_layer, token.Slot, 0) + (kvHead * hd);
        var max = float.NegativeInfinity;
        for (var p = 0; p < count; p++)
        {
            var s = Half16.Dot(new ReadOnlySpan<Half>(keys + ((long)p * kvLength), hd), q) * _scale;
            scores[p] = s;
            max = MathF.Max(max, s);
        }

        // Softmax as ggml_vec_soft_max_f32: exp(x - max) with the sum in double.
        double sum = 0;
        for (var p = 0; p < count; p++)
        {
            var e = MathF.Exp(scores[p] - max);
            scores[p] = e;
            sum += e;
        }

        var inv = (float)(1.0 / sum);
        var output = new Span<float>(_output + ((long)t * _heads * hd) + (h * hd), hd);
        output.Clear();
        var values = _cache.ValueRow(_layer, token.Slot, 0) + (kvHead * hd);
        for (var p = 0; p < count; p++)
        {
            var w = (float)(Half)(scores[p] * inv);
            Half16.AddScaled(new ReadOnlySpan<Half>(values + ((long)p * kvLength), hd), w, output);
        }
    }
}
