namespace Hearth.Server.Inference;

/// <summary>
/// Sampling settings of one request, already validated and with API defaults applied.
/// Mirrors Hearth.Engine.Sampling.SamplerOptions so both APIs (OpenAI, Ollama) map to one shape.
/// </summary>
internal sealed record SamplingParameters
{
    public float Temperature { get; init; } = 0.8f;

    public int TopK { get; init; } = 40;

    public float TopP { get; init; } = 0.95f;

    public float MinP { get; init; } = 0.05f;

    public float TypicalP { get; init; } = 1f;

    public float RepeatPenalty { get; init; } = 1f;

    public int RepeatLastN { get; init; } = 64;

    public float FrequencyPenalty { get; init; }

    public float PresencePenalty { get; init; }

    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    public ulong? Seed { get; init; }
}

/// <summary>Everything the scheduler needs to run one sequence besides its prompt.</summary>
internal sealed record GenerationParameters
{
    public required SamplingParameters Sampling { get; init; }

    /// <summary>Most tokens to generate; null = until end of generation or the context is full.</summary>
    public int? MaxTokens { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Number of alternatives per token to report (0 = chosen token only); null = no logprobs.</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>JSON mode or structured output: a new constraint per sequence that its text must satisfy
    /// (<see cref="JsonConstrainedSampler"/>); null for free text.</summary>
    public Func<Hearth.Engine.Sampling.IJsonConstraint>? Constraint { get; init; }

    /// <summary>Generated control tokens come out as their text (tool-call markers the output parser looks for).</summary>
    public bool KeepSpecialText { get; init; }
}
