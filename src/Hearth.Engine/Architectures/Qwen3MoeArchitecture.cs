using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Qwen3 mixture of experts (general.architecture = "qwen3moe", Qwen3-30B-A3B, 235B-A22B): qwen3 attention, and
/// instead of the dense feed-forward a router (ffn_gate_inp) choosing expert_used_count of expert_count experts per
/// token by softmax, the chosen weights renormalized to sum to 1 (the reference passes norm_w = true for this
/// family; expert_weights_norm = false in the file turns it off) and multiplied by expert_weights_scale when the file
/// has one. The experts are stacked tensors ffn_{gate,up,down}_exps, [n_embd, n_ff_exp, n_expert], read in place.
/// </summary>
internal sealed class Qwen3MoeArchitecture : IArchitecture
{
    public string Name => "qwen3moe";

    public RopeMode RopeMode => RopeMode.NeoX;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata)
    {
        var hp = HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-6f);
        int Key(string suffix, int? fallback = null)
        {
            var key = $"{Name}.{suffix}";
            var value = metadata.TryGetInteger(key) ?? fallback ?? throw new ModelHyperParameterException(key, "missing");
            return value is > 0 and <= int.MaxValue ? (int)value : throw new ModelHyperParameterException(key, $"{value} is out of range");
        }

        var experts = Key("expert_count");
        var used = Key("expert_used_count");
        if (used > experts)
        {
            throw new ModelHyperParameterException($"{Name}.expert_used_count", $"{used} exceeds expert_count {experts}");
        }

        return hp with
        {
            ExpertCount = experts,
            ExpertUsedCount = used,
            ExpertFeedForwardLength = Key("expert_feed_forward_length", hp.FeedForwardLength),
            ExpertWeightsNormalized = metadata.TryGetBool($"{Name}.expert_weights_norm") ?? true,
            ExpertWeightsScale = (float)(metadata.TryGetFloat($"{Name}.expert_weights_scale") ?? 0.0),
        };
    }

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize)
    {
        int d = hp.EmbeddingLength, ff = hp.ExpertFeedForwardLength, n = hp.ExpertCount;
        return LlamaStyleModel.LoadWeights(t, hp, vocabSize, p => LlamaStyleModel.Layer(t, hp, p, qkvBias: false, denseFeedForward: false).WithHeadNorms(t, hp, p) with
        {
            Experts = new ExpertWeights
            {
                Router = t.Matrix(p + "ffn_gate_inp.weight", d, n),                 // [n_embd, n_expert]
                Gate = t.Stacked(p + "ffn_gate_exps.weight", d, ff, n),             // [n_embd, n_ff_exp, n_expert]
                Up = t.Stacked(p + "ffn_up_exps.weight", d, ff, n),                 // [n_embd, n_ff_exp, n_expert]
                Down = t.Stacked(p + "ffn_down_exps.weight", ff, d, n),             // [n_ff_exp, n_embd, n_expert]
                Used = hp.ExpertUsedCount,
                NormalizeWeights = hp.ExpertWeightsNormalized,
                WeightScale = hp.ExpertWeightsScale is 0f or 1f ? 1f : hp.ExpertWeightsScale,
            },
        });
    }

    public void Forward(ForwardPass f, TransformerWeights w) => LlamaStyleModel.Forward(f, w);
}
