using Hearth.Engine.Execution;
using Hearth.Engine.Weights;

namespace Hearth.Engine.Architectures;

/// <summary>
/// The pre-norm decoder block shared by llama-like families:
/// x += Wo · attention(rope(Wq·norm(x) + bq), rope(Wk·norm(x) + bk), Wv·norm(x) + bv);
/// x += Wdown · (silu(Wgate·norm(x)) * Wup·norm(x)).
/// </summary>
internal static unsafe class TransformerBlock
{
    public static void Attention(ForwardPass f, LayerWeights w, int layer)
    {
        f.RmsNorm(f.X, w.AttentionNorm, f.Xb);
        f.MatMul(f.Xb, w.Query, f.Q, w.Key, f.K, w.Value, f.V);
        f.AddBias(f.Q, w.QueryBias);
        f.AddBias(f.K, w.KeyBias);
        f.AddBias(f.V, w.ValueBias);
        f.RopeAndStore(layer);
        f.Attention(layer);
        f.MatMul(f.Att, w.Output, f.Proj);
        f.Add(f.X, f.Proj);
    }

    public static void FeedForward(ForwardPass f, LayerWeights w)
    {
        f.RmsNorm(f.X, w.FeedForwardNorm, f.Xb);
        f.MatMul(f.Xb, w.Gate, f.Gate, w.Up, f.Up);
        f.SwiGlu();
        f.MatMul(f.Gate, w.Down, f.Proj);
        f.Add(f.X, f.Proj);
    }
}
