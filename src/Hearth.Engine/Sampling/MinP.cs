namespace Hearth.Engine.Sampling;

/// <summary>Drops candidates whose probability is below P times the best candidate's.</summary>
internal static class MinP
{
    public static void Apply(Candidates candidates, float p)
    {
        if (p <= 0f || candidates.Count <= 1)
        {
            return;
        }

        candidates.Sort();
        // prob_i >= p * prob_max  <=>  logit_i >= logit_max + ln(p): no softmax needed.
        var threshold = candidates.Items[0].Logit + MathF.Log(p);
        var items = candidates.Items;
        var keep = 1;
        while (keep < items.Length && items[keep].Logit >= threshold)
        {
            keep++;
        }

        candidates.Count = keep;
    }
}
