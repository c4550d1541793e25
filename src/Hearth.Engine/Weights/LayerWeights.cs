namespace Hearth.Engine.Weights;

/// <summary>
/// The tensors of one transformer block. Optional ones are present only for the families that have them: Q/K/V
/// biases (qwen2), per-head Q/K norms (qwen3, gemma3), post-norms (gemma2, gemma3), and experts instead of the dense
/// feed-forward (qwen3moe). Fused tensors (phi3's attn_qkv, ffn_up holding gate and up) appear as row views.
/// </summary>
internal sealed record LayerWeights
{
    public required float[] AttentionNorm { get; init; }   // [n_embd]
    public required WeightMatrix Query { get; init; }      // [n_embd, n_head * head_dim]
    public required WeightMatrix Key { get; init; }        // [n_embd, n_head_kv * head_dim]
    public required WeightMatrix Value { get; init; }      // [n_embd, n_head_kv * head_dim]
    public required WeightMatrix Output { get; init; }     // [n_head * head_dim, n_embd]
    public float[]? QueryBias { get; init; }               // [n_head * head_dim]
    public float[]? KeyBias { get; init; }                 // [n_head_kv * head_dim]
    public float[]? ValueBias { get; init; }               // [n_head_kv * head_dim]
    public float[]? QueryNorm { get; init; }               // [head_dim]
    public float[]? KeyNorm { get; init; }                 // [head_dim]
    public float[]? PostAttentionNorm { get; init; }       // [n_embd]
    public required float[] FeedForwardNorm { get; init; } // [n_embd]
    public WeightMatrix? Gate { get; init; }               // [n_embd, n_ff]
    public WeightMatrix? Up { get; init; }                 // [n_embd, n_ff]
    public WeightMatrix? Down { get; init; }               // [n_ff, n_embd]
    public float[]? PostFeedForwardNorm { get; init; }     // [n_embd]
    public ExpertWeights? Experts { get; init; }

    public WeightMatrix DenseGate => Gate ?? throw new InvalidOperationException("The layer has no dense feed-forward.");
    public WeightMatrix DenseUp => Up ?? throw new InvalidOperationException("The layer has no dense feed-forward.");
    public WeightMatrix DenseDown => Down ?? throw new InvalidOperationException("The layer has no dense feed-forward.");
}

/// <summary>
/// A mixture-of-experts feed-forward: the router and each expert's matrices as views of the stacked tensors
/// (ffn_*_exps, [n_embd, n_ff_exp, n_expert]) where they lie in the mapping.
/// </summary>
internal sealed class ExpertWeights
{
    public required WeightMatrix Router { get; init; }     // [n_embd, n_expert]
    public required WeightMatrix[] Gate { get; init; }     // n_expert x [n_embd, n_ff_exp]
    public required WeightMatrix[] Up { get; init; }       // n_expert x [n_embd, n_ff_exp]
    public required WeightMatrix[] Down { get; init; }     // n_expert x [n_ff_exp, n_embd]
    public required int Used { get; init; }                // experts per token

    /// <summary>Whether the chosen experts' softmax weights are renormalized to sum to 1 (qwen3moe: always).</summary>
    public required bool NormalizeWeights { get; init; }

    /// <summary>Multiplies the chosen experts' weights after any renormalization (expert_weights_scale; 1: none).</summary>
    public float WeightScale { get; init; } = 1f;

    public int Count => Gate.Length;

    public int FeedForwardLength => Gate[0].Rows;
}

/// <summary>All tensors of a decoder-only transformer with RMSNorm.</summary>
internal sealed class TransformerWeights
{
    public required WeightMatrix TokenEmbedding { get; init; }   // [n_embd, n_vocab]
    public required LayerWeights[] Layers { get; init; }
    public required float[] OutputNorm { get; init; }            // [n_embd]
    public required WeightMatrix Output { get; init; }           // [n_embd, n_vocab]; token_embd when tied
}
