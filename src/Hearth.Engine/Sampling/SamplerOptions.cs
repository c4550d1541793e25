namespace Hearth.Engine.Sampling;

/// <summary>
/// How the next token is chosen. Defaults follow llama.cpp's common defaults (which Ollama also uses),
/// so a model behaves the same here as users know it from those tools.
/// </summary>
public sealed record SamplerOptions
{
    /// <summary>Softmax temperature; 0 or below means greedy (argmax). Default 0.8.</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the K most likely tokens; 0 disables. Default 40.</summary>
    public int TopK { get; init; } = 40;

    /// <summary>Nucleus sampling: keep the smallest set whose probability reaches P; 1 disables. Default 0.95.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Drop tokens whose probability is below MinP times the best token's; 0 disables. Default 0.05.</summary>
    public float MinP { get; init; } = 0.05f;

    /// <summary>Locally typical sampling mass; 1 disables. Default 1.</summary>
    public float TypicalP { get; init; } = 1.0f;

    /// <summary>Divide positive (multiply negative) logits of recently seen tokens; 1 disables. Default 1.</summary>
    public float RepeatPenalty { get; init; } = 1.0f;

    /// <summary>How many of the most recent tokens the penalties look at; 0 disables them, -1 means the whole history. Default 64.</summary>
    public int RepeatLastN { get; init; } = 64;

    /// <summary>Subtract this times the token's count in the window (OpenAI semantics). Default 0.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Subtract this once from every token present in the window (OpenAI semantics). Default 0.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>Added to a token's logit before anything else; <see cref="float.NegativeInfinity"/> bans a token.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Seed of the sampler's random source; null draws one, so runs differ.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Greedy decoding: always the most likely token.</summary>
    public static SamplerOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>True when the options pick the argmax (temperature at or below zero, or top-k of 1).</summary>
    public bool IsGreedy => Temperature <= 0 || TopK == 1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (float.IsNaN(Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be a number");
        }

        if (TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top_k must be >= 0");
        }

        if (!(TopP is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1]");
        }

        if (!(MinP is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "min_p must be in [0, 1]");
        }

        if (!(TypicalP is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TypicalP), TypicalP, "typical_p must be in (0, 1]");
        }

        if (!(RepeatPenalty > 0) || float.IsInfinity(RepeatPenalty))
        {
            throw new ArgumentOutOfRangeException(nameof(RepeatPenalty), RepeatPenalty, "repeat_penalty must be > 0");
        }

        if (RepeatLastN < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(RepeatLastN), RepeatLastN, "repeat_last_n must be >= -1");
        }

        if (!float.IsFinite(FrequencyPenalty) || !float.IsFinite(PresencePenalty))
        {
            throw new ArgumentOutOfRangeException(nameof(FrequencyPenalty), "penalties must be finite numbers");
        }
    }
}
