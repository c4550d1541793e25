using System.Numerics.Tensors;
using Hearth.Numerics;

namespace Hearth.Engine.Execution;

/// <summary>
/// Causal grouped-query attention over the F16 cache, one (token, KV head) pair per item: the query heads that share
/// the KV head are scored and accumulated together, so each cached row is widened once per group
/// (<see cref="GroupedAttention"/>). Like the reference with an F16 cache, the queries and the softmax weights are
/// rounded to F16 before their products with the cached keys and values.
/// <para>
/// A token attends to the positions of its window (all earlier ones in a full-attention layer). In a
/// sliding-window layer's ring those rows may wrap around its end: then they are two runs, scored and accumulated
/// run by run under one softmax (the weighted sum does not depend on the order of positions).
/// </para>
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
    private LayerAttention _settings;
    private int[] _blockStart = [];
    private int[] _blockLength = [];
    private int _blocks;
    private int _count;
    private readonly NativeBuffer<float>[] _blockOutput;

    public AttentionJob(int threads)
    {
        _scores = new NativeBuffer<float>[threads];
        _query = new NativeBuffer<float>[threads];
        _halves = new NativeBuffer<Half>[threads];
        _blockOutput = new NativeBuffer<float>[threads];
        for (var i = 0; i < threads; i++)
        {
            _scores[i] = new NativeBuffer<float>();
            _query[i] = new NativeBuffer<float>();
            _halves[i] = new NativeBuffer<Half>();
            _blockOutput[i] = new NativeBuffer<float>();
        }
    }

    public void Set(KvCache cache, BatchToken[] batch, int count, int layer, float* q, float* output, int heads, int kvHeads, int headDim, LayerAttention settings)
    {
        _cache = cache;
        _batch = batch;
        _count = count;
        _layer = layer;
        _q = q;
        _output = output;
        _heads = heads;
        _kvHeads = kvHeads;
        _headDim = headDim;
        _settings = settings;
        FormBlocks();
    }

    /// <summary>Items for <see cref="ParallelPool.Run"/>: one per block of tokens and KV head.</summary>
    public int Items => _blocks * _kvHeads;

    /// <summary>
    /// Groups the batch into blocks of up to <see cref="BlockTokens"/> consecutive positions of one slot that all see
    /// the slot's rows from position 0 without wrapping (full attention, or a window not yet filled): their queries are
    /// scored against the same keys in one call, so each cached row is widened once per block instead of once per
    /// token. Any other token (a wrapped or sliding window) is a block of its own.
    /// </summary>
    private void FormBlocks()
    {
        if (_blockStart.Length < _count)
        {
            _blockStart = new int[_count];
            _blockLength = new int[_count];
        }

        var window = _cache.Window(_layer);
        var capacity = _cache.Capacity(_layer);
        _blocks = 0;
        for (var t = 0; t < _count;)
        {
            var length = 1;
            if (SeesFromZero(_batch[t].Position, window, capacity))
            {
                while (length < BlockTokens && t + length < _count
                    && _batch[t + length].Slot == _batch[t].Slot
                    && _batch[t + length].Position == _batch[t].Position + length
                    && SeesFromZero(_batch[t + length].Position, window, capacity))
                {
                    length++;
                }
            }

            _blockStart[_blocks] = t;
            _blockLength[_blocks] = length;
            _blocks++;
            t += length;
        }

        static bool SeesFromZero(int position, int window, int capacity) => position < window && position < capacity;
    }

    /// <summary>Tokens per block: eight tokens' four query heads (llama-1b) are 32 queries per widened row, and their
    /// scores over a 4096-token context take 0.5 MiB per thread.</summary>
    private const int BlockTokens = 8;

    public override void Execute(int item, int thread)
    {
        var block = item / _kvHeads;
        var kvHead = item % _kvHeads;
        if (_blockLength[block] > 1)
        {
            ExecuteBlock(_blockStart[block], _blockLength[block], kvHead, thread);
        }
        else
        {
            ExecuteToken(_blockStart[block], kvHead, thread);
        }
    }

    /// <summary>Tokens t0 .. t0 + length - 1 (consecutive positions of one slot, all seeing rows 0..their position):
    /// their queries are scored against rows 0..last position in one call; each token's softmax covers its own
    /// positions and gives the later rows weight 0.</summary>
    private void ExecuteBlock(int t0, int length, int kvHead, int thread)
    {
        var group = _heads / _kvHeads;
        var firstHead = kvHead * group;
        var hd = _headDim;
        var queries = length * group;
        var count = _batch[t0 + length - 1].Position + 1;
        var halves = _halves[thread];

        var q = new Span<float>(_query[thread].Ensure((long)queries * hd), queries * hd);
        for (var i = 0; i < length; i++)
        {
            var src = new ReadOnlySpan<float>(_q + ((long)(t0 + i) * _heads * hd) + (firstHead * hd), group * hd);
            var dst = q.Slice(i * group * hd, group * hd);
            if (_settings.QueryScale != 1f)
            {
                TensorPrimitives.Multiply(src, _settings.QueryScale, dst);
                src = dst;
            }

            RoundToHalf(src, dst, halves);
        }

        var scores = new Span<float>(_scores[thread].Ensure((long)queries * count), queries * count);
        var keys = _cache.Keys(_layer, _batch[t0].Slot, kvHead);
        GroupedAttention.Scores(new ReadOnlySpan<Half>(keys, count * hd), hd, count, q, queries, hd, _settings.ScoreScale, scores);
        for (var i = 0; i < length; i++)
        {
            var own = _batch[t0 + i].Position + 1;
            for (var g = 0; g < group; g++)
            {
                var row = scores.Slice(((i * group) + g) * count, count);
                if (_settings.SoftCap > 0)
                {
                    SoftCap(row[..own], _settings.SoftCap);
                }

                Softmax(row[..own], [], halves);
                row[own..].Clear();
            }
        }

        var output = new Span<float>(_blockOutput[thread].Ensure((long)queries * hd), queries * hd);
        output.Clear();
        var values = _cache.Values(_layer, _batch[t0].Slot, kvHead);
        GroupedAttention.Accumulate(new ReadOnlySpan<Half>(values, count * hd), hd, count, scores, queries, hd, output);
        for (var i = 0; i < length; i++)
        {
            output.Slice(i * group * hd, group * hd).CopyTo(new Span<float>(_output + ((long)(t0 + i) * _heads * hd) + (firstHead * hd), group * hd));
        }
    }

    private void ExecuteToken(int t, int kvHead, int thread)
    {
        var group = _heads / _kvHeads;
        var firstHead = kvHead * group;
        var token = _batch[t];
        var hd = _headDim;

        // Positions first..Position of this slot (earlier batch tokens are already stored), at rows p mod capacity.
        var capacity = _cache.Capacity(_layer);
        var first = Math.Max(0, token.Position - _cache.Window(_layer) + 1);
        var count = token.Position - first + 1;
        var row0 = first % capacity;
        var countA = Math.Min(count, capacity - row0);   // the run up to the ring's end
        var countB = count - countA;                      // the wrapped run from row 0

        var q = new Span<float>(_query[thread].Ensure(group * hd), group * hd);
        var src = new ReadOnlySpan<float>(_q + ((long)t * _heads * hd) + (firstHead * hd), group * hd);
        var halves = _halves[thread];
        if (_settings.QueryScale != 1f)
        {
            TensorPrimitives.Multiply(src, _settings.QueryScale, q);   // the reference scales Q (f32) before its F16 product
            src = q;
        }

        RoundToHalf(src, q, halves);

        var scores = new Span<float>(_scores[thread].Ensure((long)group * count), group * count);
        var scoresA = scores[..(group * countA)];
        var scoresB = scores[(group * countA)..];
        var keys = _cache.Keys(_layer, token.Slot, kvHead);
        GroupedAttention.Scores(new ReadOnlySpan<Half>(keys + ((long)row0 * hd), countA * hd), hd, countA, q, group, hd, _settings.ScoreScale, scoresA);
        if (countB > 0)
        {
            GroupedAttention.Scores(new ReadOnlySpan<Half>(keys, countB * hd), hd, countB, q, group, hd, _settings.ScoreScale, scoresB);
        }

        if (_settings.SoftCap > 0)
        {
            SoftCap(scores, _settings.SoftCap);
        }

        for (var g = 0; g < group; g++)
        {
            Softmax(scoresA.Slice(g * countA, countA), scoresB.Slice(g * countB, countB), halves);
        }

        var output = new Span<float>(_output + ((long)t * _heads * hd) + (firstHead * hd), group * hd);
        output.Clear();
        var values = _cache.Values(_layer, token.Slot, kvHead);
        GroupedAttention.Accumulate(new ReadOnlySpan<Half>(values + ((long)row0 * hd), countA * hd), hd, countA, scoresA, group, hd, output);
        if (countB > 0)
        {
            GroupedAttention.Accumulate(new ReadOnlySpan<Half>(values, countB * hd), hd, countB, scoresB, group, hd, output);
        }
    }

    /// <summary>scores = cap * tanh(scores / cap): gemma2's attention-logit soft-capping, before the softmax.</summary>
    private static void SoftCap(Span<float> scores, float cap)
    {
        TensorPrimitives.Multiply(scores, 1f / cap, scores);
        TensorPrimitives.Tanh(scores, scores);
        TensorPrimitives.Multiply(scores, cap, scores);
    }

    /// <summary>Softmax as ggml_vec_soft_max_f32 (exp(x - max), normalized) over the two runs together, each weight
    /// rounded to F16. Vectorized: the scalar loop with a software F16 rounding per weight cost as much as the score
    /// products. The sum is in f32 where the reference sums in double; over a context of n positions that moves a
    /// weight by ~n ulp at most.</summary>
    private static void Softmax(Span<float> a, Span<float> b, NativeBuffer<Half> halves)
    {
        var max = b.IsEmpty ? TensorPrimitives.Max(a) : Math.Max(TensorPrimitives.Max(a), TensorPrimitives.Max(b));
        TensorPrimitives.Subtract(a, max, a);
        TensorPrimitives.Exp(a, a);
        var sum = TensorPrimitives.Sum(a);
        if (!b.IsEmpty)
        {
            TensorPrimitives.Subtract(b, max, b);
            TensorPrimitives.Exp(b, b);
            sum += TensorPrimitives.Sum(b);
            TensorPrimitives.Multiply(b, 1f / sum, b);
            RoundToHalf(b, b, halves);
        }

        TensorPrimitives.Multiply(a, 1f / sum, a);
        RoundToHalf(a, a, halves);
    }

    /// <summary>destination = (float)(Half)source, through a per-thread F16 buffer.</summary>
    private static unsafe void RoundToHalf(ReadOnlySpan<float> source, Span<float> destination, NativeBuffer<Half> halves)
    {
        var h = new Span<Half>(halves.Ensure(source.Length), source.Length);
        TensorPrimitives.ConvertToHalf(source, h);
        TensorPrimitives.ConvertToSingle(h, destination);
    }
}

/// <summary>
/// How one layer scores: <paramref name="QueryScale"/> multiplies the queries before their F16 rounding (gemma, phi3
/// scale Q in the graph), <paramref name="ScoreScale"/> the dot products (llama's softmax scale 1/√head_dim), and
/// <paramref name="SoftCap"/> &gt; 0 caps the scores at ±cap by tanh.
/// </summary>
internal readonly record struct LayerAttention(float QueryScale, float ScoreScale, float SoftCap);
