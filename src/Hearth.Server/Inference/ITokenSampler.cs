namespace Hearth.Server.Inference;

/// <summary>Picks the next token from one row of logits, given the sequence so far.</summary>
internal interface ITokenSampler
{
    int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history);
}

internal interface ITokenSamplerFactory
{
    ITokenSampler Create(SamplingParameters parameters);
}
