using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Qwen2 / Qwen2.5 (general.architecture = "qwen2"): the llama block plus biases on Q, K and V,
/// NeoX RoPE (llama.cpp's llama_model_rope_type lists qwen2 as NEOX), RMSNorm eps 1e-6 by default
/// and rope base 1e6 from the file; small models tie the output to token_embd.
/// </summary>
internal sealed class Qwen2Architecture : IArchitecture
{
    public string Name => "qwen2";

    public RopeMode RopeMode => RopeMode.NeoX;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata) => HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-6f);

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize)
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
                QueryBias = t.Vector(p + "attn_q.bias", q),                            // [n_head * head_dim]
                Key = t.Matrix(p + "attn_k.weight", d, kv),                            // [n_embd, n_head_kv * head_dim]
                KeyBias = t.Vector(p + "attn_k.bias", kv),                             // [n_head_kv * head_dim]
                Value = t.Matrix(p + "attn_v.weight", d, kv),                          // [n_embd, n_head_kv * head_dim]
                ValueBias = t.Vector(p + "attn_v.bias", kv),                           // [n_head_kv * head_dim]
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

    public void Forward(ForwardPass f, TransformerWeights w)
    {
        f.Embed(w.TokenEmbedding);
        for (var l = 0; l < w.Layers.Length; l++)
        {
            TransformerBlock.Attention(f, w.Layers[l], l);
            TransformerBlock.FeedForward(f, w.Layers[l]);
        }
    }
}
