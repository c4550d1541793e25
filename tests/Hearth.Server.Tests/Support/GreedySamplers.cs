using Hearth.Server.Inference;

namespace Hearth.Server.Tests.Support;

/// <summary>Argmax sampling, so scheduler tests know every generated token in advance.</summary>
internal sealed class GreedySamplers : ITokenSamplerFactory
{
    public ITokenSampler Create(SamplingParameters parameters) => new Greedy();

    private sealed class Greedy : ITokenSampler
    {
        public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
        {
            var best = 0;
            for (var i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[best])
                {
                    best = i;
                }
            }

            return best;
        }
    }
}
