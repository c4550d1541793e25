using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Qwen3 dense models (general.architecture = "qwen3"): the llama block without Q/K/V biases, plus an RMSNorm over
/// each head of Q and K before RoPE (attn_q_norm, attn_k_norm, [head_dim]), NeoX RoPE, head_dim from key_length
/// (128 even where n_embd / n_head differs), eps 1e-6; small models tie the output to token_embd.
/// </summary>
internal sealed class Qwen3Architecture : IArchitecture
{
    public string Name => "qwen3";

    public RopeMode RopeMode => RopeMode.NeoX;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata) => HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-6f);

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize) =>
        LlamaStyleModel.LoadWeights(t, hp, vocabSize, p => LlamaStyleModel.Layer(t, hp, p, qkvBias: false).WithHeadNorms(t, hp, p));

    public void Forward(ForwardPass f, TransformerWeights w) => LlamaStyleModel.Forward(f, w);
}
