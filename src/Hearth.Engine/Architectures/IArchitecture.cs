using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// One model family: how to read its hyper-parameters, which tensors it has, and its forward pass.
/// Adding a family is one new file implementing this plus a line in <see cref="ArchitectureRegistry"/>.
/// </summary>
internal interface IArchitecture
{
    /// <summary>The general.architecture value.</summary>
    string Name { get; }

    RopeMode RopeMode { get; }

    HyperParameters ReadHyperParameters(GgufMetadata metadata);

    TransformerWeights LoadWeights(TensorLoader tensors, HyperParameters hp, int vocabSize);

    /// <summary>Runs the layers over the batch prepared in <paramref name="f"/>, leaving the final residual stream in f.X.</summary>
    void Forward(ForwardPass f, TransformerWeights w);
}
