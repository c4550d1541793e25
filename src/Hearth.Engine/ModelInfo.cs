namespace Hearth.Engine;

/// <summary>What a loaded model is: shape and provenance, for display and for sizing caches.</summary>
public sealed record ModelInfo
{
    public required string Name { get; init; }
    public required string Architecture { get; init; }

    /// <summary>Longest sequence this engine instance accepts per slot (trained context, capped by options).</summary>
    public required int ContextLength { get; init; }

    /// <summary>The context length the model was trained with (from the file).</summary>
    public required int TrainedContextLength { get; init; }

    public required int EmbeddingLength { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    public required int KvHeadCount { get; init; }
    public required int HeadDimension { get; init; }
    public required int FeedForwardLength { get; init; }
    public required int VocabSize { get; init; }
    public required long ParameterCount { get; init; }
    public required long FileSize { get; init; }

    /// <summary>The weight type of most matrix parameters (e.g. "q4_0"), or "mixed" style names like "q4_k+q6_k".</summary>
    public required string WeightType { get; init; }
}
