using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Phi-3, Phi-3.5, Phi-4-mini (general.architecture = "phi3"): the llama block with Q, K and V fused in one
/// attn_qkv (rows: Q, then K, then V) and the gate and up projections fused in ffn_up (rows: gate, then up), read
/// as row views in place; Q scaled by 1/√head_dim before attention, NeoX RoPE, eps 1e-5. Long-context models carry
/// LongRoPE factors (rope_factors_long / rope_factors_short, picked by the context as the reference does) and a
/// rope.scaling.attn_factor. The reference ignores phi3's sliding window, and so does this.
/// </summary>
internal sealed class Phi3Architecture : IArchitecture
{
    public string Name => "phi3";

    public RopeMode RopeMode => RopeMode.NeoX;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata)
    {
        var hp = HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-5f);
        return hp with { QueryScale = 1f / MathF.Sqrt(hp.HeadDimension) };
    }

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize)
    {
        int d = hp.EmbeddingLength, ff = hp.FeedForwardLength, q = hp.QueryLength, kv = hp.KvLength;
        return LlamaStyleModel.LoadWeights(t, hp, vocabSize, p =>
        {
            // Older conversions keep Q, K and V apart; current ones fuse them.
            var qkv = t.OptionalMatrix(p + "attn_qkv.weight", d, q + (2 * kv));                  // [n_embd, n_head * head_dim + 2 * n_head_kv * head_dim]
            var gateUp = t.Matrix(p + "ffn_up.weight", d, 2 * ff);                               // [n_embd, 2 * n_ff]
            return new LayerWeights
            {
                AttentionNorm = t.Vector(p + "attn_norm.weight", d),                              // [n_embd]
                Query = qkv?.Slice(0, q, p + "attn_qkv.weight[q]") ?? t.Matrix(p + "attn_q.weight", d, q),        // [n_embd, n_head * head_dim]
                Key = qkv?.Slice(q, kv, p + "attn_qkv.weight[k]") ?? t.Matrix(p + "attn_k.weight", d, kv),        // [n_embd, n_head_kv * head_dim]
                Value = qkv?.Slice(q + kv, kv, p + "attn_qkv.weight[v]") ?? t.Matrix(p + "attn_v.weight", d, kv), // [n_embd, n_head_kv * head_dim]
                Output = t.Matrix(p + "attn_output.weight", q, d),                                 // [n_head * head_dim, n_embd]
                FeedForwardNorm = t.Vector(p + "ffn_norm.weight", d),                              // [n_embd]
                Gate = gateUp.Slice(0, ff, p + "ffn_up.weight[gate]"),                             // [n_embd, n_ff]
                Up = gateUp.Slice(ff, ff, p + "ffn_up.weight[up]"),                                // [n_embd, n_ff]
                Down = t.Matrix(p + "ffn_down.weight", ff, d),                                     // [n_ff, n_embd]
            };
        });
    }

    public void Forward(ForwardPass f, TransformerWeights w) => LlamaStyleModel.Forward(f, w);
}
