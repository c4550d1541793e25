namespace Hearth.Engine.Sampling;

/// <summary>Log-probabilities of the model's raw distribution (before sampling settings), as OpenAI's logprobs report them.</summary>
public static class LogProbs
{
    /// <summary>log-sum-exp of the logits, the normaliser of log-softmax.</summary>
    public static float LogSumExp(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = MathF.Max(max, l);
        }

        var sum = 0.0;
        foreach (var l in logits)
        {
            sum += Math.Exp(l - max);
        }

        return max + (float)Math.Log(sum);
    }

    /// <summary>The log-probability of one token.</summary>
    public static float Of(ReadOnlySpan<float> logits, int token) => logits[token] - LogSumExp(logits);

    /// <summary>The <paramref name="k"/> most likely tokens with their log-probabilities, best first.</summary>
    public static IReadOnlyList<(int Token, float LogProb)> Top(ReadOnlySpan<float> logits, int k)
    {
        if (k <= 0)
        {
            return [];
        }

        var norm = LogSumExp(logits);
        var candidates = new Candidates();
        candidates.Reset(logits);
        TopK.Apply(candidates, Math.Min(k, logits.Length));
        var result = new (int, float)[candidates.Count];
        var items = candidates.Items;
        for (var i = 0; i < items.Length; i++)
        {
            result[i] = (items[i].Id, items[i].Logit - norm);
        }

        return result;
    }
}
