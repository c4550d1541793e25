namespace Hearth.Engine;

/// <summary>How a model is loaded and run.</summary>
public sealed class ModelOptions
{
    /// <summary>
    /// Default cap on the context length when the caller does not set one: large trained contexts
    /// (Llama 3.1: 131072) would otherwise make every KV cache gigabytes large.
    /// </summary>
    public const int DefaultContextCap = 8192;

    /// <summary>Threads that split each matrix multiplication (the caller's thread included). Default: all cores.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Longest sequence per cache slot. Default: the trained context from the file, capped at
    /// <see cref="DefaultContextCap"/>. Values above the trained context are clamped to it.
    /// </summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// Lets <see cref="ContextLength"/> exceed the trained context instead of being clamped to it, as
    /// llama.cpp allows: benchmarks at a context depth (<c>llama-bench -d 4096 -p 512</c> on a 4096-context
    /// model) need the room. What the model makes of positions past its training is its own business.
    /// </summary>
    public bool AllowBeyondTrainedContext { get; init; }

    /// <summary>
    /// For models with sliding-window layers (gemma2, gemma3): the most positions of one sequence that go through the
    /// layers in one pass. Those layers' caches hold window + this many positions per sequence (not the whole
    /// context), and a longer batch is split into passes of this size, as the reference splits batches into ubatches
    /// of 512. Smaller saves cache memory; larger lets a long prompt stream the weights fewer times. Default 512.
    /// </summary>
    public int SlidingWindowPass { get; init; } = 512;
}
