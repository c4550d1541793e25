using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>The numbers a decoder-only transformer needs, read from GGUF metadata (keys prefixed by the architecture).</summary>
internal sealed record HyperParameters
{
    public required string Architecture { get; init; }
    public required int ContextLength { get; init; }
    public required int EmbeddingLength { get; init; }
    public required int LayerCount { get; init; }
    public required int FeedForwardLength { get; init; }
    public required int HeadCount { get; init; }
    public required int KvHeadCount { get; init; }
    public required int HeadDimension { get; init; }
    public required float RmsNormEpsilon { get; init; }
    public required RopeParameters Rope { get; init; }

    /// <summary>Positions a sliding-window layer attends to (its own included); 0: every layer attends to all.</summary>
    public int SlidingWindow { get; init; }

    /// <summary>Which layers use the sliding window (null: none).</summary>
    public bool[]? SlidingLayers { get; init; }

    /// <summary>RoPE of the sliding-window layers where it differs from <see cref="Rope"/> (gemma3: base 1e4 locally, 1e6 globally).</summary>
    public RopeParameters? SlidingRope { get; init; }

    /// <summary>Multiplies Q before attention (gemma, phi3 scale Q in the graph); null: the scores are scaled by 1/√head_dim.</summary>
    public float? QueryScale { get; init; }

    /// <summary>Attention-logit soft-capping (gemma2: 50); 0: none.</summary>
    public float AttentionSoftCap { get; init; }

    /// <summary>Final-logit soft-capping (gemma2: 30); 0: none.</summary>
    public float FinalSoftCap { get; init; }

    /// <summary>Mixture of experts (qwen3moe): experts per layer, experts used per token, and each expert's n_ff.</summary>
    public int ExpertCount { get; init; }

    public int ExpertUsedCount { get; init; }

    public int ExpertFeedForwardLength { get; init; }

    /// <summary>Whether the chosen experts' weights are renormalized to sum to 1, and a factor on them (0: none).</summary>
    public bool ExpertWeightsNormalized { get; init; }

    public float ExpertWeightsScale { get; init; }

    public int QueryLength => HeadCount * HeadDimension;
    public int KvLength => KvHeadCount * HeadDimension;

    public bool IsSliding(int layer) => SlidingWindow > 0 && SlidingLayers is { } s && s[layer];

    /// <summary>The RoPE settings of <paramref name="layer"/>.</summary>
    public RopeParameters RopeOf(int layer) => IsSliding(layer) && SlidingRope is { } r ? r : Rope;

    /// <summary>
    /// The sliding-window layers every <paramref name="period"/> layers as the reference lays them out
    /// (llama_hparams::set_swa_pattern): all but the last layer of each period slide; period 0: all of them.
    /// </summary>
    public static bool[] SlidingPattern(int layers, int period) =>
        Enumerable.Range(0, layers).Select(il => period == 0 || il % period < period - 1).ToArray();

    /// <summary>The sliding window and layer pattern from the file (attention.sliding_window[_pattern]), with the family's default period.</summary>
    public HyperParameters WithSlidingWindow(GgufMetadata metadata, int defaultWindow, int defaultPeriod)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var window = (int)(metadata.TryGetInteger(Architecture + ".attention.sliding_window") ?? defaultWindow);
        if (window <= 0)
        {
            return this;
        }

        // The pattern is a period, or (as the reference's get_key_or_arr also accepts) one flag per layer.
        var key = Architecture + ".attention.sliding_window_pattern";
        if (metadata.TryGetValue(key, out var value) && value.AsArray() is { } flags)
        {
            if (flags.Count != LayerCount || flags.ElementType != GgufValueType.Bool)
            {
                throw new ModelHyperParameterException(key, $"expected {LayerCount} booleans, found {flags}");
            }

            return this with { SlidingWindow = window, SlidingLayers = flags.AsSpan<bool>().ToArray() };
        }

        var period = (int)(metadata.TryGetInteger(key) ?? defaultPeriod);
        return this with { SlidingWindow = window, SlidingLayers = SlidingPattern(LayerCount, period) };
    }

    /// <summary>
    /// Reads the hyper-parameters. Pure: depends only on the metadata. Defaults follow llama.cpp
    /// (llama_model::load_hparams): head_count_kv = head_count, key_length = embedding/head_count,
    /// rope.dimension_count = key_length, rope.freq_base = 10000.
    /// </summary>
    public static HyperParameters Read(GgufMetadata metadata, string architecture, float defaultEpsilon = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string Key(string suffix) => architecture + "." + suffix;

        int Required(string suffix)
        {
            var key = Key(suffix);
            var value = metadata.TryGetInteger(key) ?? throw new ModelHyperParameterException(key, "missing");
            return Positive(key, value);
        }

        int Optional(string suffix, int fallback)
        {
            var key = Key(suffix);
            return metadata.TryGetInteger(key) is long v ? Positive(key, v) : fallback;
        }

        var embedding = Required("embedding_length");
        var heads = Required("attention.head_count");
        var kvHeads = Optional("attention.head_count_kv", heads);
        if (heads % kvHeads != 0)
        {
            throw new ModelHyperParameterException(Key("attention.head_count_kv"), $"{kvHeads} does not divide head_count {heads}");
        }

        var headDim = Optional("attention.key_length", embedding / heads);
        var valueDim = Optional("attention.value_length", headDim);
        if (valueDim != headDim)
        {
            throw new ModelHyperParameterException(Key("attention.value_length"), $"{valueDim} differs from key_length {headDim} (not supported)");
        }

        var ropeDims = Optional("rope.dimension_count", headDim);
        if (ropeDims > headDim || ropeDims % 2 != 0)
        {
            throw new ModelHyperParameterException(Key("rope.dimension_count"), $"{ropeDims} must be even and at most the head size {headDim}");
        }

        var contextLength = Required("context_length");
        return new HyperParameters
        {
            Architecture = architecture,
            ContextLength = contextLength,
            EmbeddingLength = embedding,
            LayerCount = Required("block_count"),
            FeedForwardLength = Required("feed_forward_length"),
            HeadCount = heads,
            KvHeadCount = kvHeads,
            HeadDimension = headDim,
            RmsNormEpsilon = (float)(metadata.TryGetFloat(Key("attention.layer_norm_rms_epsilon")) ?? defaultEpsilon),
            Rope = RopeParameters.Read(metadata, architecture, ropeDims, contextLength),
        };
    }

    private static int Positive(string key, long value) =>
        value is > 0 and <= int.MaxValue ? (int)value : throw new ModelHyperParameterException(key, $"{value} is out of range");
}
