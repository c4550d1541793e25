namespace Hearth.Numerics.Synthesis;

/// <summary>The hyper-parameters of a llama-architecture model, enough to lay out its tensors.</summary>
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
    /// and <c>ref-256</c> the shape of the shared reference models (../shared/README.md).
    /// </summary>
    public static IReadOnlyList<ModelShape> Known { get; } =
    [
        new("llama-1b", EmbeddingLength: 2048, LayerCount: 16, HeadCount: 32, KvHeadCount: 8, FeedForwardLength: 8192, ContextLength: 4096, RopeFreqBase: 500000f),
        new("ref-256", EmbeddingLength: 256, LayerCount: 2, HeadCount: 4, KvHeadCount: 2, FeedForwardLength: 768, ContextLength: 2048, RopeFreqBase: 10000f),
    ];

    /// <summary>Elements per attention head.</summary>
    public int HeadDimension => EmbeddingLength / HeadCount;

    /// <summary>Looks a shape up by name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static ModelShape Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Known.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown model shape '{name}'. Known shapes: {string.Join(", ", Known.Select(s => s.Name))}.", nameof(name));
    }

    /// <summary>The llama tensors of this shape in conversion order, dimensions in ggml order (row length first).</summary>
    public IReadOnlyList<(string Name, long[] Dimensions)> Tensors(int vocabularySize)
    {
        long kv = (long)KvHeadCount * HeadDimension;
        var list = new List<(string, long[])> { ("token_embd.weight", [EmbeddingLength, vocabularySize]) };
        for (int i = 0; i < LayerCount; i++)
        {
            string p = $"blk.{i}.";
            list.Add((p + "attn_norm.weight", [EmbeddingLength]));
            list.Add((p + "attn_q.weight", [EmbeddingLength, EmbeddingLength]));
            list.Add((p + "attn_k.weight", [EmbeddingLength, kv]));
            list.Add((p + "attn_v.weight", [EmbeddingLength, kv]));
            list.Add((p + "attn_output.weight", [EmbeddingLength, EmbeddingLength]));
            list.Add((p + "ffn_norm.weight", [EmbeddingLength]));
            list.Add((p + "ffn_gate.weight", [EmbeddingLength, FeedForwardLength]));
            list.Add((p + "ffn_up.weight", [EmbeddingLength, FeedForwardLength]));
            list.Add((p + "ffn_down.weight", [FeedForwardLength, EmbeddingLength]));
        }

        list.Add(("output_norm.weight", [EmbeddingLength]));
        list.Add(("output.weight", [EmbeddingLength, vocabularySize]));
        return list;
    }
}
