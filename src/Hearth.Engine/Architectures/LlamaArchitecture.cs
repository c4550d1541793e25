using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Llama 2 / 3 / 3.1 / 3.2, Mistral, TinyLlama (general.architecture = "llama"): RMSNorm (eps 1e-5
/// unless the file says otherwise), "normal" RoPE (the converter permutes Q/K rows for it), optional
/// linear or llama3 RoPE scaling, SwiGLU, output tied to token_embd when output.weight is absent.
/// </summary>
internal sealed class LlamaArchitecture : IArchitecture
{
    public string Name => "llama";

    public RopeMode RopeMode => RopeMode.Normal;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata) => HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-5f);

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize) =>
        LlamaStyleModel.LoadWeights(t, hp, vocabSize, qkvBias: false);

    public void Forward(ForwardPass f, TransformerWeights w) => LlamaStyleModel.Forward(f, w);
}
