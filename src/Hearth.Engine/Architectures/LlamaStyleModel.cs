using Hearth.Engine.Execution;
using Hearth.Engine.Weights;

namespace Hearth.Engine.Architectures;

/// <summary>
/// The tensor table and forward pass shared by llama-like families (llama, qwen2, qwen3, qwen3moe, and the gemma
/// and phi3 tables built on it): token embedding, pre-norm blocks, output norm, and an output matrix that is tied to
/// token_embd when the file has no output.weight. Families differ in what their architecture file adds to a layer
/// (Q/K/V biases, per-head norms, post-norms, experts) and in how their forward strings the blocks together.
/// </summary>
internal static class LlamaStyleModel
{
    public static TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize, bool qkvBias) =>
        LoadWeights(t, hp, vocabSize, p => Layer(t, hp, p, qkvBias));

    /// <summary>Embedding, output and one layer per block from <paramref name="layer"/> (given the "blk.{i}." prefix).</summary>
    public static TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize, Func<string, LayerWeights> layer)
    {
        var d = hp.EmbeddingLength;
        var embedding = t.Matrix("token_embd.weight", d, vocabSize);                  // [n_embd, n_vocab]
        var layers = new LayerWeights[hp.LayerCount];
        for (var i = 0; i < layers.Length; i++)
        {
            layers[i] = layer($"blk.{i}.");
        }

        return new TransformerWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = t.Vector("output_norm.weight", d),                            // [n_embd]
            Output = t.OptionalMatrix("output.weight", d, vocabSize) ?? embedding,      // [n_embd, n_vocab], optional: tied
        };
    }

    /// <summary>The llama block's tensors; without <paramref name="denseFeedForward"/> the layer's experts come from the caller.</summary>
    public static LayerWeights Layer(TensorLoader t, HyperParameters hp, string p, bool qkvBias, bool denseFeedForward = true)
    {
        int d = hp.EmbeddingLength, ff = hp.FeedForwardLength, q = hp.QueryLength, kv = hp.KvLength;
        return new LayerWeights
        {
            AttentionNorm = t.Vector(p + "attn_norm.weight", d),                                   // [n_embd]
            Query = t.Matrix(p + "attn_q.weight", d, q),                                            // [n_embd, n_head * head_dim]
            QueryBias = qkvBias ? t.Vector(p + "attn_q.bias", q) : null,                            // [n_head * head_dim]
            Key = t.Matrix(p + "attn_k.weight", d, kv),                                             // [n_embd, n_head_kv * head_dim]
            KeyBias = qkvBias ? t.Vector(p + "attn_k.bias", kv) : null,                             // [n_head_kv * head_dim]
            Value = t.Matrix(p + "attn_v.weight", d, kv),                                           // [n_embd, n_head_kv * head_dim]
            ValueBias = qkvBias ? t.Vector(p + "attn_v.bias", kv) : null,                           // [n_head_kv * head_dim]
            Output = t.Matrix(p + "attn_output.weight", q, d),                                      // [n_head * head_dim, n_embd]
            FeedForwardNorm = t.Vector(p + "ffn_norm.weight", d),                                   // [n_embd]
            Gate = denseFeedForward ? t.Matrix(p + "ffn_gate.weight", d, ff) : null,                // [n_embd, n_ff]
            Up = denseFeedForward ? t.Matrix(p + "ffn_up.weight", d, ff) : null,                    // [n_embd, n_ff]
            Down = denseFeedForward ? t.Matrix(p + "ffn_down.weight", ff, d) : null,                // [n_ff, n_embd]
        };
    }

    /// <summary>The per-head Q and K norms of qwen3 and gemma3 added to a layer.</summary>
    public static LayerWeights WithHeadNorms(this LayerWeights layer, TensorLoader t, HyperParameters hp, string p) => layer with
    {
        QueryNorm = t.Vector(p + "attn_q_norm.weight", hp.HeadDimension),                           // [head_dim]
        KeyNorm = t.Vector(p + "attn_k_norm.weight", hp.HeadDimension),                             // [head_dim]
    };

    public static void Forward(ForwardPass f, TransformerWeights w)
    {
        f.Embed(w.TokenEmbedding);
        for (var l = 0; l < w.Layers.Length; l++)
        {
            TransformerBlock.Attention(f, w.Layers[l], l);
            TransformerBlock.FeedForward(f, w.Layers[l]);
        }
    }
}
