using Hearth.Engine.Sampling;

namespace Hearth.Server.Inference;

/// <summary>Creates Hearth.Engine samplers (llama.cpp's chain: bias, penalties, top-k, typical, top-p, min-p, temperature).</summary>
internal sealed class EngineSamplerFactory : ITokenSamplerFactory
{
    public ITokenSampler Create(SamplingParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new EngineSampler(new Sampler(new SamplerOptions
        {
            Temperature = p.Temperature,
            TopK = p.TopK,
            TopP = p.TopP,
            MinP = p.MinP,
            TypicalP = p.TypicalP,
            RepeatPenalty = p.RepeatPenalty,
            RepeatLastN = p.RepeatLastN,
            FrequencyPenalty = p.FrequencyPenalty,
            PresencePenalty = p.PresencePenalty,
            LogitBias = p.LogitBias,
            Seed = p.Seed,
        }));
    }

    private sealed class EngineSampler(Sampler sampler) : ITokenSampler
    {
        public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history) => sampler.Sample(logits, history);
    }
}
