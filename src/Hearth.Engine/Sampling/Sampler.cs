namespace Hearth.Engine.Sampling;

/// <summary>
/// Picks the next token from a row of logits. The chain follows llama.cpp's default order so the
/// same settings behave as users expect: logit bias, penalties, top-k, typical-p, top-p, min-p,
/// temperature, then a draw from the seeded random source. Temperature &lt;= 0 is greedy.
/// One sampler belongs to one sequence; it is not thread-safe. It allocates only when the
/// vocabulary grows, never per token.
/// </summary>
public sealed class Sampler
{
    private readonly SamplerOptions options;
    private readonly Random random;
    private readonly Candidates candidates = new();
    private readonly Dictionary<int, int> counts = [];
    private float[] scratch = [];

    public Sampler(SamplerOptions options, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.random = random ?? (options.Seed is { } seed ? new Random(unchecked((int)(seed ^ (seed >> 32)))) : new Random());
    }

    public SamplerOptions Options => options;

    /// <summary>Chooses a token. <paramref name="history"/> is the sequence so far (prompt and generated), used by the penalties.</summary>
    /// <exception cref="NonFiniteLogitsException">A logit is NaN or +Infinity.</exception>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("No logits to sample from.", nameof(logits));
        }

        ThrowIfNonFinite(logits);
        if (scratch.Length < logits.Length)
        {
            scratch = new float[logits.Length];
        }

        var work = scratch.AsSpan(0, logits.Length);
        logits.CopyTo(work);
        if (options.LogitBias is { Count: > 0 } bias)
        {
            foreach (var (token, delta) in bias)
            {
                if ((uint)token < (uint)work.Length)
                {
                    work[token] += delta;
                }
            }
        }

        Penalties.Apply(work, history, options, counts);
        if (options.IsGreedy)
        {
            return Argmax(work);
        }

        candidates.Reset(work);
        TopK.Apply(candidates, options.TopK);
        TypicalP.Apply(candidates, options.TypicalP);
        TopP.Apply(candidates, options.TopP);
        MinP.Apply(candidates, options.MinP);
        return Draw();
    }

    /// <summary>Index of the largest value; the lowest index wins ties. -Infinity everywhere yields 0.</summary>
    public static int Argmax(ReadOnlySpan<float> values)
    {
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] > bestValue)
            {
                bestValue = values[i];
                best = i;
            }
        }

        return best;
    }

    private static void ThrowIfNonFinite(ReadOnlySpan<float> logits)
    {
        for (var i = 0; i < logits.Length; i++)
        {
            var v = logits[i];
            if (float.IsNaN(v) || float.IsPositiveInfinity(v))
            {
                throw new NonFiniteLogitsException(i, v);
            }
        }
    }

    private int Draw()
    {
        var items = candidates.Items;
        var temperature = options.Temperature;
        foreach (ref var c in items)
        {
            c.Logit /= temperature;
        }

        candidates.Softmax();
        var u = random.NextDouble();
        var cumulative = 0.0;
        foreach (ref readonly var c in items)
        {
            cumulative += c.Prob;
            if (u < cumulative)
            {
                return c.Id;
            }
        }

        // Rounding left the cumulative sum just below 1: the last candidate takes the remainder.
        return items[^1].Id;
    }
}
