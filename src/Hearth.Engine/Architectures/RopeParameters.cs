using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>Rotary position embedding settings: base, rotated dimensions and context scaling.</summary>
internal sealed record RopeParameters
{
    public required int Dimensions { get; init; }
    public required float FreqBase { get; init; }

    /// <summary>Multiplies every angle: 1 / rope.scaling.factor for "linear" scaling, else 1.</summary>
    public required float FreqScale { get; init; }

    /// <summary>Per-pair divisors of the angle (Llama 3.x "llama3" scaling), or null.</summary>
    public float[]? FreqFactors { get; init; }

    /// <summary>The context the model was trained for before long-context scaling (rope.scaling.original_context_length, default the context length).</summary>
    public int OriginalContextLength { get; init; }

    /// <summary>Multiplies every cos and sin (rope.scaling.attn_factor, Phi-3.5's LongRoPE magnitude; default 1).</summary>
    public float AttentionFactor { get; init; } = 1f;

    /// <summary>The llama3 parameters when the file asks for llama3 scaling in metadata (factors computed if no rope_freqs tensor).</summary>
    public Llama3Scaling? Llama3 { get; init; }

    public static RopeParameters Read(GgufMetadata metadata, string arch, int dims, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return ReadScaling(metadata, arch, dims) with
        {
            OriginalContextLength = (int)(metadata.TryGetInteger(arch + ".rope.scaling.original_context_length") ?? contextLength),
            AttentionFactor = (float)(metadata.TryGetFloat(arch + ".rope.scaling.attn_factor") ?? 1.0),
        };
    }

    private static RopeParameters ReadScaling(GgufMetadata metadata, string arch, int dims)
    {
        var freqBase = (float)(metadata.TryGetFloat(arch + ".rope.freq_base") ?? 10000.0);
        var type = metadata.GetStringOrDefault(arch + ".rope.scaling.type", null) ?? "none";
        var factor = metadata.TryGetFloat(arch + ".rope.scaling.factor")
            ?? (metadata.TryGetFloat(arch + ".rope.scale_linear") is double legacy ? legacy : null);
        if (type == "none" && metadata.Contains(arch + ".rope.scale_linear"))
        {
            type = "linear";   // older files: rope.scale_linear alone means linear scaling (llama.cpp does the same)
        }

        switch (type)
        {
            case "none":
                return new RopeParameters { Dimensions = dims, FreqBase = freqBase, FreqScale = 1f };
            case "linear":
                var f = (float)(factor ?? 1.0);
                return new RopeParameters { Dimensions = dims, FreqBase = freqBase, FreqScale = f > 0 ? 1f / f : 1f };
            case "llama3":
                var scaling = new Llama3Scaling(
                    (float)(factor ?? 8.0),
                    (float)(metadata.TryGetFloat(arch + ".rope.scaling.low_freq_factor") ?? 1.0),
                    (float)(metadata.TryGetFloat(arch + ".rope.scaling.high_freq_factor") ?? 4.0),
                    (int)(metadata.TryGetInteger(arch + ".rope.scaling.original_context_length") ?? 8192));
                return new RopeParameters { Dimensions = dims, FreqBase = freqBase, FreqScale = 1f, Llama3 = scaling };
            default:
                throw new NotSupportedException($"RoPE scaling type '{type}' is not supported; supported: none, linear, llama3.");
        }
    }

    /// <summary>
    /// The frequency factors for a context of <paramref name="context"/> positions per sequence: the file's
    /// rope_freqs tensor when present; else LongRoPE's rope_factors_long when the context exceeds the original one,
    /// rope_factors_short otherwise (llama_model::get_rope_factors); else llama3 factors when the metadata asks for them.
    /// </summary>
    public RopeParameters WithFactors(Func<string, float[]?> vector, int context)
    {
        ArgumentNullException.ThrowIfNull(vector);
        return WithFactors(vector("rope_freqs.weight")
            ?? vector(context > OriginalContextLength ? "rope_factors_long.weight" : "rope_factors_short.weight"));
    }

    /// <summary>Uses the file's rope_freqs tensor when present, else computes llama3 factors when the metadata asks for them.</summary>
    public RopeParameters WithFactors(float[]? fromTensor) =>
        fromTensor is not null ? this with { FreqFactors = fromTensor }
        : Llama3 is { } l ? this with { FreqFactors = l.Factors(FreqBase, Dimensions) }
        : this;
}

/// <summary>
/// Llama 3.1 frequency scaling (Meta's reference, apply_scaling in llama/model.py; the same formula the
/// GGUF converter bakes into rope_freqs.weight): long wavelengths are divided by Factor, short ones kept,
/// and the band between is interpolated.
/// </summary>
internal sealed record Llama3Scaling(float Factor, float LowFreqFactor, float HighFreqFactor, int OriginalContextLength)
{
    public float[] Factors(float freqBase, int dims)
    {
        var result = new float[dims / 2];
        var lowWavelen = OriginalContextLength / LowFreqFactor;
        var highWavelen = OriginalContextLength / HighFreqFactor;
        for (var i = 0; i < result.Length; i++)
        {
            var freq = 1.0 / Math.Pow(freqBase, 2.0 * i / dims);
            var wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen)
            {
                result[i] = 1f;
            }
            else if (wavelen > lowWavelen)
            {
                result[i] = Factor;
            }
            else
            {
                var smooth = (OriginalContextLength / wavelen - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
                result[i] = (float)(1.0 / ((1 - smooth) / Factor + smooth));
            }
        }

        return result;
    }
}
