namespace Hearth.Server.Inference;

/// <summary>Creates samplers for requests (Hearth.Engine.Sampling once it lands; greedy/temperature until then).</summary>
internal sealed class EngineSamplerFactory : ITokenSamplerFactory
{
    public ITokenSampler Create(SamplingParameters parameters) => new BasicSampler(parameters);

    private sealed class BasicSampler(SamplingParameters p) : ITokenSampler
    {
        private readonly Random random = p.Seed is ulong s ? new Random(unchecked((int)s)) : new Random();

        public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
        {
            var l = logits.ToArray();
            if (p.LogitBias is { } bias)
            {
                foreach (var (id, b) in bias)
                {
                    if ((uint)id < (uint)l.Length)
                    {
                        l[id] += b;
                    }
                }
            }

            var best = 0;
            for (var i = 1; i < l.Length; i++)
            {
                if (l[i] > l[best])
                {
                    best = i;
                }
            }

            if (p.Temperature <= 0)
            {
                return best;
            }

            double sum = 0;
            var probs = new double[l.Length];
            for (var i = 0; i < l.Length; i++)
            {
                probs[i] = Math.Exp((l[i] - l[best]) / p.Temperature);
                sum += probs[i];
            }

            var r = random.NextDouble() * sum;
            for (var i = 0; i < probs.Length; i++)
            {
                r -= probs[i];
                if (r <= 0)
                {
                    return i;
                }
            }

            return best;
        }
    }
}
