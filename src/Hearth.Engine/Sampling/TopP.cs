namespace Hearth.Engine.Sampling;

/// <summary>Nucleus sampling: keeps the smallest best-first prefix whose probability mass reaches P.</summary>
internal static class TopP
{
    public static void Apply(Candidates candidates, float p)
    {
        if (p >= 1f || candidates.Count <= 1)
        {
            return;
        }

        candidates.Sort();
        candidates.Softmax();
        var cumulative = 0f;
        var items = candidates.Items;
        for (var i = 0; i < items.Length; i++)
        {
            cumulative += items[i].Prob;
            if (cumulative >= p)
            {
                candidates.Count = i + 1;
                return;
            }
        }
    }
}
