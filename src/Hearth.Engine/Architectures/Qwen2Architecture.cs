using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Qwen2 / Qwen2.5 (general.architecture = "qwen2"): the llama block plus biases on Q, K and V,
/// NeoX RoPE (llama.cpp's llama_model_rope_type lists qwen2 as NEOX), RMSNorm eps 1e-6 by default
/// and rope base 1e6 from the file; small models tie the output to token_embd.
/// </summary>
internal sealed class Qwen2Architecture : IArchitecture
{
    public string Name => "qwen2";

    public RopeMode RopeMode => RopeMode.NeoX;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata) => HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-6f);

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize) =>
        LlamaStyleModel.LoadWeights(t, hp, vocabSize, qkvBias: true);

    public void Forward(ForwardPass f, TransformerWeights w) => LlamaStyleModel.Forward(f, w);
}
