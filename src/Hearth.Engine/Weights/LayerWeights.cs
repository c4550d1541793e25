namespace Hearth.Engine.Weights;

/// <summary>The tensors of one transformer block. Biases are present only for architectures that have them (qwen2).</summary>
internal sealed class LayerWeights
{
    public required float[] AttentionNorm { get; init; }   // [n_embd]
    public required WeightMatrix Query { get; init; }      // [n_embd, n_head * head_dim]
    public required WeightMatrix Key { get; init; }        // [n_embd, n_head_kv * head_dim]
    public required WeightMatrix Value { get; init; }      // [n_embd, n_head_kv * head_dim]
    public required WeightMatrix Output { get; init; }     // [n_head * head_dim, n_embd]
    public float[]? QueryBias { get; init; }               // [n_head * head_dim]
    public float[]? KeyBias { get; init; }                 // [n_head_kv * head_dim]
    public float[]? ValueBias { get; init; }               // [n_head_kv * head_dim]
    public required float[] FeedForwardNorm { get; init; } // [n_embd]
    public required WeightMatrix Gate { get; init; }       // [n_embd, n_ff]
    public required WeightMatrix Up { get; init; }         // [n_embd, n_ff]
    public required WeightMatrix Down { get; init; }       // [n_ff, n_embd]
}

/// <summary>All tensors of a decoder-only transformer with RMSNorm and a SwiGLU feed-forward.</summary>
internal sealed class TransformerWeights
{
    public required WeightMatrix TokenEmbedding { get; init; }   // [n_embd, n_vocab]
    public required LayerWeights[] Layers { get; init; }
    public required float[] OutputNorm { get; init; }            // [n_embd]
    public required WeightMatrix Output { get; init; }           // [n_embd, n_vocab]; token_embd when tied
}
