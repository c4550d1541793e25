using Hearth.Engine.Execution;
using Hearth.Engine.Weights;

namespace Hearth.Engine.Architectures;

/// <summary>
/// The pre-norm decoder block shared by llama-like families:
/// x += Wo · attention(rope(norm_h(Wq·norm(x) + bq)), rope(norm_h(Wk·norm(x) + bk)), Wv·norm(x) + bv);
/// x += Wdown · (silu(Wgate·norm(x)) * Wup·norm(x)), or the layer's experts.
/// Biases (qwen2) and per-head norms norm_h (qwen3) are applied where the layer has them.
/// </summary>
internal static unsafe class TransformerBlock
{
    public static void Attention(ForwardPass f, LayerWeights w, int layer)
    {
        SelfAttention(f, w, layer);
        f.Add(f.X, f.Proj);
    }

    /// <summary>Proj = Wo · attention over norm(X), without the residual add (gemma normalizes it first).</summary>
    public static void SelfAttention(ForwardPass f, LayerWeights w, int layer)
    {
        var hp = f.HyperParameters;
        f.RmsNorm(f.X, w.AttentionNorm, f.Xb);
        f.MatMul(f.Xb, w.Query, f.Q, w.Key, f.K, w.Value, f.V);
        f.AddBias(f.Q, w.QueryBias);
        f.AddBias(f.K, w.KeyBias);
        f.AddBias(f.V, w.ValueBias);
        f.HeadNorm(f.Q, w.QueryNorm, hp.HeadCount);
        f.HeadNorm(f.K, w.KeyNorm, hp.KvHeadCount);
        f.RopeAndStore(layer);
        f.Attention(layer);
        f.MatMul(f.Att, w.Output, f.Proj);
    }

    public static void FeedForward(ForwardPass f, LayerWeights w)
    {
        f.RmsNorm(f.X, w.FeedForwardNorm, f.Xb);
        if (w.Experts is { } experts)
        {
            f.FeedForwardExperts(experts);
        }
        else
        {
            f.MatMul(f.Xb, w.DenseGate, f.Gate, w.DenseUp, f.Up);
            f.SwiGlu();
            f.MatMul(f.Gate, w.DenseDown, f.Proj);
        }

        f.Add(f.X, f.Proj);
    }
}
