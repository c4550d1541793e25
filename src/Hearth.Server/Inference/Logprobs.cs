namespace Hearth.Server.Inference;

/// <summary>Log-probabilities of the model's raw distribution (before sampling transforms), as the OpenAI API reports them.</summary>
internal static class Logprobs
{
    /// <summary>Largest number of alternatives either API lets a client ask for (OpenAI caps top_logprobs at 20).</summary>
    public const int MaxTop = 20;

    public static TokenLogprob For(ReadOnlySpan<float> logits, int chosen, int top, Func<int, string> text)
    {
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }

        double sum = 0;
        foreach (var l in logits)
        {
            sum += Math.Exp(l - max);
        }

        var logZ = max + (float)Math.Log(sum);
        var alternatives = new List<TokenAlternative>(top);
        if (top > 0)
        {
            // Partial selection: keep the best `top` ids in a small sorted list (top <= 20, vocab ~32k-150k).
            var ids = new List<int>(top + 1);
            for (var i = 0; i < logits.Length; i++)
            {
                if (ids.Count == top && logits[i] <= logits[ids[^1]])
                {
                    continue;
                }

                var at = ids.Count;
                while (at > 0 && logits[ids[at - 1]] < logits[i])
                {
                    at--;
                }

                ids.Insert(at, i);
                if (ids.Count > top)
                {
                    ids.RemoveAt(ids.Count - 1);
                }
            }

            foreach (var id in ids)
            {
                alternatives.Add(new TokenAlternative(text(id), logits[id] - logZ));
            }
        }

        return new TokenLogprob(text(chosen), logits[chosen] - logZ, alternatives);
    }
}
