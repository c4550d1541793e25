namespace Hearth.Engine.Tests;

/// <summary>The comparison rules of shared/README.md, as reusable assertions.</summary>
internal static class LogitComparison
{
    public static int[] TopK(ReadOnlySpan<float> logits, int k)
    {
        var ids = Enumerable.Range(0, logits.Length).ToArray();
        var values = logits.ToArray();
        return ids.OrderByDescending(i => values[i]).ThenBy(i => i).Take(k).ToArray();
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
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

    /// <summary>Checks one position; returns the largest |ours - reference| over shared top-10 ids.</summary>
    public static float AssertPosition(ReadOnlySpan<float> logits, ReferencePosition reference, float tol, string where)
    {
        var ours = TopK(logits, 10);
        var worst = 0f;
        for (var r = 0; r < reference.Top.Length; r++)
        {
            var id = reference.TopId(r);
            if (Array.IndexOf(ours, id) < 0)
            {
                continue;
            }

            var diff = Math.Abs(logits[id] - reference.TopLogit(r));
            worst = Math.Max(worst, diff);
            Assert.True(diff <= tol, $"{where}: logit of id {id} is {logits[id]}, reference {reference.TopLogit(r)} (|diff| {diff} > {tol})");
        }

        if (reference.Margin > 2 * tol)
        {
            Assert.True(ours[0] == reference.TopId(0), $"{where}: top-1 {ours[0]} but reference top-1 {reference.TopId(0)} with margin {reference.Margin}");
        }

        return worst;
    }
}
