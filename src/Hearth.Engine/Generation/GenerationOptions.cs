using Hearth.Engine.Sampling;

namespace Hearth.Engine.Generation;

/// <summary>What one generation call may do and when it must stop.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate; -1 generates until the context is full or the model ends the text.</summary>
    public int MaxTokens { get; init; } = -1;

    /// <summary>How each token is chosen.</summary>
    public SamplerOptions Sampling { get; init; } = new();

    /// <summary>Text that ends generation; it is not part of the output.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Keep going past end-of-generation tokens (benchmarks).</summary>
    public bool IgnoreEndOfGeneration { get; init; }

    /// <summary>How many alternatives with log-probabilities to report per token; 0 reports only the chosen token's.</summary>
    public int TopLogProbs { get; init; }

    /// <summary>Prompt tokens processed per forward pass while prefilling. 512 matches llama.cpp's default ubatch.</summary>
    public int PrefillChunk { get; init; } = 512;
}

/// <summary>Why generation ended (OpenAI's finish_reason values).</summary>
public enum FinishReason
{
    /// <summary>An end-of-generation token or a stop string.</summary>
    Stop,

    /// <summary>MaxTokens reached or the context is full.</summary>
    Length,
}

/// <summary>One generated token and the text it released (possibly empty while UTF-8 or a stop string is incomplete).</summary>
public sealed record GeneratedToken(int Token, string Text, float LogProb, IReadOnlyList<(int Token, float LogProb)> TopLogProbs);

/// <summary>Counts and timings of a finished generation.</summary>
public sealed record GenerationStats(
    int PromptTokens,
    int CachedPromptTokens,
    int GeneratedTokens,
    FinishReason FinishReason,
    TimeSpan PromptTime,
    TimeSpan GenerationTime)
{
    public double PromptTokensPerSecond => PromptTime > TimeSpan.Zero ? (PromptTokens - CachedPromptTokens) / PromptTime.TotalSeconds : 0;

    public double GenerationTokensPerSecond => GenerationTime > TimeSpan.Zero ? GeneratedTokens / GenerationTime.TotalSeconds : 0;
}
