namespace Hearth.Router.Routing;

internal static class Sort
{
    /// <summary>Stable ascending sort by a score (List.Sort is not stable; ties must keep the rotation order).
    /// Scores are read once: in-flight counts move while we sort.</summary>
    public static void Stable(List<RouteCandidate> items, Func<RouteCandidate, double> score)
    {
        if (items.Count < 2)
        {
            return;
        }

        var keyed = new (double Score, int Index, RouteCandidate Item)[items.Count];
        for (var i = 0; i < keyed.Length; i++)
        {
            keyed[i] = (score(items[i]), i, items[i]);
        }

        Array.Sort(keyed, (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Index.CompareTo(b.Index));
        for (var i = 0; i < keyed.Length; i++)
        {
            items[i] = keyed[i].Item;
        }
    }
}
