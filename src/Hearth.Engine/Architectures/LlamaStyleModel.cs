using Hearth.Engine.Execution;
using Hearth.Engine.Weights;

namespace Hearth.Engine.Architectures;

/// <summary>
/// The tensor table and forward pass shared by llama-like families (llama, qwen2, and later qwen3,
/// mistral-style variants): token embedding, pre-norm blocks, output norm, and an output matrix that
/// is tied to token_embd when the file has no output.weight. Families differ only in what their
/// architecture file passes in (Q/K/V biases, RoPE mode, default epsilon).
/// </summary>
internal static class LlamaStyleModel
{
    public static TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize, bool qkvBias)
    {
        int d = hp.EmbeddingLength, ff = hp.FeedForwardLength, q = hp.QueryLength, kv = hp.KvLength;
        var embedding = t.Matrix("token_embd.weight", d, vocabSize);                  // [n_embd, n_vocab]
        var layers = new LayerWeights[hp.LayerCount];
        for (var i = 0; i < layers.Length; i++)
        {
            var p = $"blk.{i}.";
            layers[i] = new LayerWeights
            {
                AttentionNorm = t.Vector(p + "attn_norm.weight", d),                  // [n_embd]
                Query = t.Matrix(p + "attn_q.weight", d, q),                           // [n_embd, n_head * head_dim]
                QueryBias = qkvBias ? t.Vector(p + "attn_q.bias", q) : null,           // [n_head * head_dim]
                Key = t.Matrix(p + "attn_k.weight", d, kv),                            // [n_embd, n_head_kv * head_dim]
                KeyBias = qkvBias ? t.Vector(p + "attn_k.bias", kv) : null,            // [n_head_kv * head_dim]
                Value = t.Matrix(p + "attn_v.weight", d, kv),                          // [n_embd, n_head_kv * head_dim]
                ValueBias = qkvBias ? t.Vector(p + "attn_v.bias", kv) : null,          // [n_head_kv * head_dim]
                Output = t.Matrix(p + "attn_output.weight", q, d),                     // [n_head * head_dim, n_embd]
                FeedForwardNorm = t.Vector(p + "ffn_norm.weight", d),                  // [n_embd]
                Gate = t.Matrix(p + "ffn_gate.weight", d, ff),                         // [n_embd, n_ff]
                Up = t.Matrix(p + "ffn_up.weight", d, ff),                             // [n_embd, n_ff]
                Down = t.Matrix(p + "ffn_down.weight", ff, d),                         // [n_ff, n_embd]
            };
        }

        return new TransformerWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = t.Vector("output_norm.weight", d),                            // [n_embd]
            Output = t.OptionalMatrix("output.weight", d, vocabSize) ?? embedding,      // [n_embd, n_vocab], optional: tied
        };
    }

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
