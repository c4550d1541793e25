using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Gemma 3 text models (general.architecture = "gemma3"): the gemma2 block with per-head Q/K norms instead of
/// attention soft-capping, five sliding-window layers to one global (attention.sliding_window_pattern, default 6,
/// when the file has a window), local layers on their own RoPE base (rope.freq_base_swa, 1e4) without the global
/// layers' linear scaling, final soft-capping only when the file asks for it.
/// </summary>
internal sealed class Gemma3Architecture : IArchitecture
{
    public string Name => "gemma3";

    public RopeMode RopeMode => RopeMode.NeoX;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var hp = HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-6f).WithSlidingWindow(metadata, defaultWindow: 0, defaultPeriod: 6);
        return hp with
        {
            // The reference reads no SWA scale for gemma3: the local layers keep scale 1 (its default) and base 1e4.
            SlidingRope = hp.Rope with { FreqBase = (float)(metadata.TryGetFloat(Name + ".rope.freq_base_swa") ?? 10000.0), FreqScale = 1f },
            FinalSoftCap = (float)(metadata.TryGetFloat(Name + ".final_logit_softcapping") ?? 0.0),
            QueryScale = Gemma2Architecture.QueryScale(hp, layersOf27B: 62),
        };
    }

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize) =>
        LlamaStyleModel.LoadWeights(t, hp, vocabSize, p => LlamaStyleModel.Layer(t, hp, p, qkvBias: false).WithHeadNorms(t, hp, p).WithPostNorms(t, hp, p));

    public void Forward(ForwardPass f, TransformerWeights w) => GemmaBlock.Forward(f, w);
}
