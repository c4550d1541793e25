namespace Hearth.Engine.Sampling;

/// <summary>
/// Locally typical sampling (Meister et al. 2022): keeps the tokens whose surprisal is closest to the
/// distribution's entropy until their mass reaches P.
/// </summary>
internal static class TypicalP
{
    public static void Apply(Candidates candidates, float p)
    {
        if (p >= 1f || candidates.Count <= 1)
        {
            return;
        }

        candidates.Softmax();
        var items = candidates.Items;
        var entropy = 0f;
        foreach (ref readonly var c in items)
        {
            if (c.Prob > 0)
            {
                entropy -= c.Prob * MathF.Log(c.Prob);
            }
        }

        // Order by |surprisal - entropy|, then keep the prefix reaching mass p.
        items.Sort((a, b) =>
        {
            var da = MathF.Abs(-MathF.Log(a.Prob) - entropy);
            var db = MathF.Abs(-MathF.Log(b.Prob) - entropy);
            var c = da.CompareTo(db);
            return c != 0 ? c : a.Id.CompareTo(b.Id);
        });
        var cumulative = 0f;
        var keep = items.Length;
        for (var i = 0; i < items.Length; i++)
        {
            cumulative += items[i].Prob;
            if (cumulative >= p)
            {
                keep = i + 1;
                break;
            }
        }

        candidates.Count = keep;
        candidates.Sorted = false;
    }
}
