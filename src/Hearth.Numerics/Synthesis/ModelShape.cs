namespace Hearth.Numerics.Synthesis;

/// <summary>
/// The hyper-parameters of a decoder-only model, enough to lay out its tensors: a llama by default; the optional
/// properties make it a qwen3moe (experts, head_dim, Q/K norms) or a gemma3 (sliding window, post-norms, tied output).
/// </summary>
public sealed record ModelShape(
    string Name,
    int EmbeddingLength,
    int LayerCount,
    int HeadCount,
    int KvHeadCount,
    int FeedForwardLength,
    int ContextLength,
    float RopeFreqBase,
    float RmsNormEpsilon = 1e-5f)
{
    /// <summary>
    /// Named shapes: <c>llama-1b</c> is Llama 3.2 1B's shape (the benchmark model, ../shared/benchmarks/README.md)
    /// and <c>ref-256</c> the shape of the shared reference models (../shared/README.md). <c>qwen3moe-2b</c> is
    /// Qwen3-30B-A3B scaled down to 2 B parameters with its routing kept (128 experts, 8 per token, head_dim 128 over
    /// half as many heads as the width): width and expert width halved and quartered, 24 of 48 layers, about 12%
    /// of the weights active per token (30B-A3B: 11%). <c>gemma3-1b</c> is Gemma 3 1B's shape with a 4096 context.
    /// </summary>
    public static IReadOnlyList<ModelShape> Known { get; } =
    [
        new("llama-1b", EmbeddingLength: 2048, LayerCount: 16, HeadCount: 32, KvHeadCount: 8, FeedForwardLength: 8192, ContextLength: 4096, RopeFreqBase: 500000f),
        new("ref-256", EmbeddingLength: 256, LayerCount: 2, HeadCount: 4, KvHeadCount: 2, FeedForwardLength: 768, ContextLength: 2048, RopeFreqBase: 10000f),
        new("qwen3moe-2b", EmbeddingLength: 1024, LayerCount: 24, HeadCount: 16, KvHeadCount: 4, FeedForwardLength: 3072, ContextLength: 4096, RopeFreqBase: 1000000f, RmsNormEpsilon: 1e-6f)
        {
            Architecture = "qwen3moe", KeyLength = 128, ExpertCount = 128, ExpertUsedCount = 8, ExpertFeedForwardLength = 192,
        },
        new("gemma3-1b", EmbeddingLength: 1152, LayerCount: 26, HeadCount: 4, KvHeadCount: 1, FeedForwardLength: 6912, ContextLength: 4096, RopeFreqBase: 1000000f, RmsNormEpsilon: 1e-6f)
        {
            Architecture = "gemma3", KeyLength = 256, SlidingWindow = 512, SlidingWindowRopeFreqBase = 10000f,
        },
    ];

    /// <summary>general.architecture: llama, qwen3moe or gemma3.</summary>
    public string Architecture { get; init; } = "llama";

    /// <summary>attention.key_length where it is not EmbeddingLength / HeadCount (qwen3: 128, gemma3: 256).</summary>
    public int? KeyLength { get; init; }

    /// <summary>Experts per layer (0: a dense feed-forward), experts used per token, and each expert's n_ff.</summary>
    public int ExpertCount { get; init; }

    public int ExpertUsedCount { get; init; }

    public int ExpertFeedForwardLength { get; init; }

    /// <summary>gemma3's sliding window (5 local layers to 1 global) and the local layers' RoPE base.</summary>
    public int SlidingWindow { get; init; }

    public float SlidingWindowRopeFreqBase { get; init; }

    /// <summary>Elements per attention head.</summary>
    public int HeadDimension => KeyLength ?? (EmbeddingLength / HeadCount);

    /// <summary>Looks a shape up by name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static ModelShape Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Known.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown model shape '{name}'. Known shapes: {string.Join(", ", Known.Select(s => s.Name))}.", nameof(name));
    }

    /// <summary>The tensors of this shape in conversion order, dimensions in ggml order (row length first).</summary>
    public IReadOnlyList<(string Name, long[] Dimensions)> Tensors(int vocabularySize)
    {
        long d = EmbeddingLength, q = (long)HeadCount * HeadDimension, kv = (long)KvHeadCount * HeadDimension;
        bool gemma = Architecture == "gemma3", headNorms = Architecture is "qwen3moe" or "gemma3";
        var list = new List<(string, long[])> { ("token_embd.weight", [d, vocabularySize]) };
        for (int i = 0; i < LayerCount; i++)
        {
            string p = $"blk.{i}.";
            list.Add((p + "attn_norm.weight", [d]));
            list.Add((p + "attn_q.weight", [d, q]));
            list.Add((p + "attn_k.weight", [d, kv]));
            list.Add((p + "attn_v.weight", [d, kv]));
            if (headNorms)
            {
                list.Add((p + "attn_q_norm.weight", [HeadDimension]));
                list.Add((p + "attn_k_norm.weight", [HeadDimension]));
            }

            list.Add((p + "attn_output.weight", [q, d]));
            if (gemma)
            {
                list.Add((p + "post_attention_norm.weight", [d]));
            }

            list.Add((p + "ffn_norm.weight", [d]));
            if (ExpertCount > 0)
            {
                long ff = ExpertFeedForwardLength;
                list.Add((p + "ffn_gate_inp.weight", [d, ExpertCount]));
                list.Add((p + "ffn_gate_exps.weight", [d, ff, ExpertCount]));
                list.Add((p + "ffn_up_exps.weight", [d, ff, ExpertCount]));
                list.Add((p + "ffn_down_exps.weight", [ff, d, ExpertCount]));
            }
            else
            {
                list.Add((p + "ffn_gate.weight", [d, FeedForwardLength]));
                list.Add((p + "ffn_up.weight", [d, FeedForwardLength]));
                list.Add((p + "ffn_down.weight", [FeedForwardLength, d]));
            }

            if (gemma)
            {
                list.Add((p + "post_ffw_norm.weight", [d]));
            }
        }

        list.Add(("output_norm.weight", [d]));
        if (!gemma)
        {
            list.Add(("output.weight", [d, vocabularySize]));   // gemma ties the output to token_embd
        }

        return list;
    }
}
