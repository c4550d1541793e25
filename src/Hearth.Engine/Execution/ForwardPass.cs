using System.Numerics.Tensors;
using Hearth.Engine.Architectures;
using Hearth.Engine.Weights;
using Hearth.Numerics;

namespace Hearth.Engine.Execution;

/// <summary>
/// The state of one forward pass over a batch: activation rows for every token ([tokens, width],
/// row-major, reused between passes) and the steps a transformer block is made of. Architectures
/// string these steps together; each step is a short call into a kernel or a parallel job.
/// </summary>
internal sealed unsafe class ForwardPass
{
    private readonly HyperParameters _hp;
    private readonly RopeMode _ropeMode;
    private readonly WorkerPool _pool;
    private readonly MatMulJob _matMul;
    private readonly AttentionJob _attention;
    private readonly RowJob _rows;
    private readonly NativeBuffer<float> _x = new(), _xb = new(), _q = new(), _k = new(), _v = new(),
        _att = new(), _proj = new(), _gate = new(), _up = new(), _cos = new(), _sin = new(), _cosSliding = new(), _sinSliding = new();
    private readonly Lazy<ExpertFeedForward> _experts;
    private BatchToken[] _batch = [];

    public ForwardPass(HyperParameters hp, RopeMode ropeMode, WorkerPool pool)
    {
        _hp = hp;
        _ropeMode = ropeMode;
        _pool = pool;
        _matMul = new MatMulJob(pool);
        _attention = new AttentionJob(pool.Threads);
        _rows = new RowJob(this);
        _experts = new Lazy<ExpertFeedForward>(() => new ExpertFeedForward(this, pool));
    }

    public HyperParameters HyperParameters => _hp;

    /// <summary>Tokens in the current batch.</summary>
    public int Count { get; private set; }

    public KvCache Cache { get; private set; } = null!;

    public float* X { get; private set; }      // [tokens, n_embd] residual stream
    public float* Xb { get; private set; }     // [tokens, n_embd] normalized input of a sub-block
    public float* Q { get; private set; }      // [tokens, n_head * head_dim]
    public float* K { get; private set; }      // [tokens, n_head_kv * head_dim]
    public float* V { get; private set; }      // [tokens, n_head_kv * head_dim]
    public float* Att { get; private set; }    // [tokens, n_head * head_dim] attention output
    public float* Proj { get; private set; }   // [tokens, n_embd] output of a sub-block
    public float* Gate { get; private set; }   // [tokens, n_ff]
    public float* Up { get; private set; }     // [tokens, n_ff]

    /// <summary>Called with every token's expert choice, per layer in order (tests).</summary>
    public ExpertRouting? RoutingHook { get; set; }

    /// <summary>Tokens of the current batch, in batch order.</summary>
    public ReadOnlySpan<BatchToken> Batch => _batch.AsSpan(0, Count);

    /// <summary>Sizes the buffers for the batch and computes each token's rotary angles.</summary>
    public void Begin(ReadOnlySpan<BatchToken> batch, KvCache cache)
    {
        Count = batch.Length;
        Cache = cache;
        if (_batch.Length < batch.Length)
        {
            _batch = new BatchToken[Math.Max(batch.Length, 2 * _batch.Length)];
        }

        batch.CopyTo(_batch);
        var n = (long)Count;
        X = _x.Ensure(n * _hp.EmbeddingLength);
        Xb = _xb.Ensure(n * Math.Max(_hp.EmbeddingLength, _hp.QueryLength));
        Q = _q.Ensure(n * _hp.QueryLength);
        K = _k.Ensure(n * _hp.KvLength);
        V = _v.Ensure(n * _hp.KvLength);
        Att = _att.Ensure(n * _hp.QueryLength);
        Proj = _proj.Ensure(n * _hp.EmbeddingLength);
        Gate = _gate.Ensure(n * _hp.FeedForwardLength);
        Up = _up.Ensure(n * _hp.FeedForwardLength);

        Angles(_hp.Rope, _cos, _sin);
        if (_hp.SlidingRope is { } sliding)
        {
            Angles(sliding, _cosSliding, _sinSliding);
        }
    }

    /// <summary>X[t] = embedding row of token t.</summary>
    public void Embed(WeightMatrix tokenEmbedding)
    {
        var d = _hp.EmbeddingLength;
        for (var t = 0; t < Count; t++)
        {
            tokenEmbedding.DequantizeRow(_batch[t].Token, Row(X, t, d));
        }
    }

    /// <summary>rows[t] *= factor over the residual width (gemma scales the embeddings by √n_embd).</summary>
    public void Scale(float* rows, float factor)
    {
        var n = Count * _hp.EmbeddingLength;
        var span = new Span<float>(rows, n);
        TensorPrimitives.Multiply(span, factor, span);
    }

    /// <summary>Each head of each row normalized on its own, in place (qwen3, gemma3: attn_q_norm, attn_k_norm). No-op without a weight.</summary>
    public void HeadNorm(float* rows, float[]? weight, int heads)
    {
        if (weight is null)
        {
            return;
        }

        var hd = weight.Length;
        for (var t = 0; t < Count * heads; t++)
        {
            var head = Row(rows, t, hd);
            RmsNormRow(head, weight, head, _hp.RmsNormEpsilon);
        }
    }

    /// <summary>output[t] = input[t] / rms(input[t]) * weight (ggml_rms_norm then ggml_mul).</summary>
    public void RmsNorm(float* input, float[] weight, float* output)
    {
        var d = _hp.EmbeddingLength;
        for (var t = 0; t < Count; t++)
        {
            RmsNormRow(Row(input, t, d), weight, Row(output, t, d), _hp.RmsNormEpsilon);
        }
    }

    /// <summary>output[t] = W · input[t] (input rows of W.Columns floats).</summary>
    public void MatMul(float* input, WeightMatrix w, float* output) =>
        _matMul.Begin(input, Count, w.Columns).Add(w, output).Run();

    /// <summary>Two or three products of the same input in one dispatch.</summary>
    public void MatMul(float* input, WeightMatrix w1, float* out1, WeightMatrix w2, float* out2, WeightMatrix? w3 = null, float* out3 = null)
    {
        var job = _matMul.Begin(input, Count, w1.Columns).Add(w1, out1).Add(w2, out2);
        if (w3 is not null)
        {
            job.Add(w3, out3);
        }

        job.Run();
    }

    /// <summary>rows[t] += bias (no-op without a bias).</summary>
    public void AddBias(float* rows, float[]? bias)
    {
        if (bias is null)
        {
            return;
        }

        for (var t = 0; t < Count; t++)
        {
            var row = Row(rows, t, bias.Length);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>Rotates Q and K by position and writes K and V (as F16) into the cache rows of their slot and position.</summary>
    public void RopeAndStore(int layer) => _rows.Run(RowOp.RopeAndStore, layer);

    /// <summary>
    /// Att = softmax(Q·Kᵀ/√d) · V per head over the slot's positions ≤ the token's (within the window in a
    /// sliding-window layer), with the family's query scale and soft-capping.
    /// </summary>
    public void Attention(int layer)
    {
        var settings = _hp.QueryScale is float qs
            ? new LayerAttention(qs, 1f, _hp.AttentionSoftCap)
            : new LayerAttention(1f, 1f / MathF.Sqrt(_hp.HeadDimension), _hp.AttentionSoftCap);
        _attention.Set(Cache, _batch, Count, layer, Q, Att, _hp.HeadCount, _hp.KvHeadCount, _hp.HeadDimension, settings);
        _pool.Run(_attention, _attention.Items);   // one item per block of tokens and KV head
    }

    /// <summary>dst[t] += src[t].</summary>
    public void Add(float* dst, float* src)
    {
        var n = Count * _hp.EmbeddingLength;
        var d = new Span<float>(dst, n);
        TensorPrimitives.Add(d, new ReadOnlySpan<float>(src, n), d);
    }

    /// <summary>Gate = silu(Gate) * Up.</summary>
    public void SwiGlu() => _rows.Run(RowOp.SwiGlu, 0);

    /// <summary>Gate = gelu_tanh(Gate) * Up (gemma).</summary>
    public void GeGlu() => _rows.Run(RowOp.GeGlu, 0);

    /// <summary>Proj = Σ over the token's top-k experts of weight · Wdown_e · (silu(Wgate_e·Xb) * Wup_e·Xb) (qwen3moe).</summary>
    public void FeedForwardExperts(ExpertWeights experts) => _experts.Value.Run(experts);

    /// <summary>
    /// Final norm and vocabulary projection for the tokens that want logits, written row by row
    /// (in batch order) into <paramref name="logits"/>.
    /// </summary>
    public void Logits(float[] outputNorm, WeightMatrix output, float* logits)
    {
        var d = _hp.EmbeddingLength;
        var m = 0;
        for (var t = 0; t < Count; t++)
        {
            if (_batch[t].WantLogits)
            {
                RmsNormRow(Row(X, t, d), outputNorm, Row(Xb, m++, d), _hp.RmsNormEpsilon);
            }
        }

        if (m > 0)
        {
            _matMul.Begin(Xb, m, d).Add(output, logits).Run();
            if (_hp.FinalSoftCap > 0)
            {
                // cap * tanh(logits / cap), gemma2's final-logit soft-capping
                var all = new Span<float>(logits, m * output.Rows);
                TensorPrimitives.Multiply(all, 1f / _hp.FinalSoftCap, all);
                TensorPrimitives.Tanh(all, all);
                TensorPrimitives.Multiply(all, _hp.FinalSoftCap, all);
            }
        }
    }

    /// <summary>Xb[t] = final-normed hidden state of every token (for embeddings).</summary>
    public void FinalHidden(float[] outputNorm) => RmsNorm(X, outputNorm, Xb);

    public static Span<float> Row(float* rows, int t, int width) => new(rows + ((long)t * width), width);

    private void Angles(RopeParameters rope, NativeBuffer<float> cosBuffer, NativeBuffer<float> sinBuffer)
    {
        var pairs = rope.Dimensions / 2;
        var cos = cosBuffer.Ensure((long)Count * pairs);
        var sin = sinBuffer.Ensure((long)Count * pairs);
        for (var t = 0; t < Count; t++)
        {
            Rope.Angles(rope, _batch[t].Position, new Span<float>(cos + (t * pairs), pairs), new Span<float>(sin + (t * pairs), pairs));
        }
    }

    private static void RmsNormRow(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> output, float eps)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += v * v;   // ggml accumulates the squares in double
        }

        var scale = 1f / MathF.Sqrt((float)(sum / x.Length) + eps);
        TensorPrimitives.Multiply(x, scale, output);
        TensorPrimitives.Multiply(output, weight, output);
    }

    private enum RowOp
    {
        RopeAndStore,
        SwiGlu,
        GeGlu,
    }

    /// <summary>Per-token element-wise steps, one token per item.</summary>
    private sealed class RowJob(ForwardPass f) : ParallelJob
    {
        private RowOp _op;
        private int _layer;

        public void Run(RowOp op, int layer)
        {
            _op = op;
            _layer = layer;
            f._pool.Run(this, f.Count);
        }

        public override void Execute(int item, int thread)
        {
            var hp = f._hp;
            if (_op == RowOp.SwiGlu)
            {
                var gate = Row(f.Gate, item, hp.FeedForwardLength);
                var up = Row(f.Up, item, hp.FeedForwardLength);
                for (var i = 0; i < gate.Length; i++)
                {
                    var g = gate[i];
                    gate[i] = g / (1f + MathF.Exp(-g)) * up[i];   // ggml_silu_f32, then ggml_mul
                }

                return;
            }

            if (_op == RowOp.GeGlu)
            {
                Gelu.Gated(Row(f.Gate, item, hp.FeedForwardLength), Row(f.Up, item, hp.FeedForwardLength));
                return;
            }

            var sliding = hp.IsSliding(_layer) && hp.SlidingRope is not null;
            var pairs = hp.RopeOf(_layer).Dimensions / 2;
            var cos = new ReadOnlySpan<float>((sliding ? f._cosSliding : f._cos).Pointer + (item * pairs), pairs);
            var sin = new ReadOnlySpan<float>((sliding ? f._sinSliding : f._sin).Pointer + (item * pairs), pairs);
            Rope.Apply(f._ropeMode, Row(f.Q, item, hp.QueryLength), hp.HeadCount, hp.HeadDimension, cos, sin);
            var k = Row(f.K, item, hp.KvLength);
            Rope.Apply(f._ropeMode, k, hp.KvHeadCount, hp.HeadDimension, cos, sin);
            var token = f._batch[item];
            f.Cache.Store(_layer, token.Slot, token.Position, k, Row(f.V, item, hp.KvLength));
        }
    }
}
