namespace Hearth.Router.Routing;

/// <summary>
/// A consistent-hash ring: each backend owns <see cref="PointsPerWeight"/> × weight points; a key belongs to the
/// first point clockwise. Adding or removing a backend moves only the keys of its own arcs.
/// </summary>
public sealed class HashRing
{
    public const int PointsPerWeight = 64;

    private readonly ulong[] points;
    private readonly string[] owners;

    public HashRing(IEnumerable<(string Name, int Weight)> backends)
    {
        ArgumentNullException.ThrowIfNull(backends);
        var list = new List<(ulong Point, string Owner)>();
        foreach (var (name, weight) in backends)
        {
            var id = StableHash.Of(name);
            for (var i = 0; i < PointsPerWeight * Math.Max(1, weight); i++)
            {
                list.Add((StableHash.Combine(id, (ulong)i), name));
            }
        }

        list.Sort((a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : string.CompareOrdinal(a.Owner, b.Owner));
        points = [.. list.Select(p => p.Point)];
        owners = [.. list.Select(p => p.Owner)];
    }

    /// <summary>Distinct owners in clockwise order from the key: the first owns it, the next ones take it when it is down.</summary>
    public IEnumerable<string> Walk(ulong key)
    {
        if (points.Length == 0)
        {
            yield break;
        }

        var start = Array.BinarySearch(points, key);
        start = start < 0 ? ~start : start;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < points.Length; i++)
        {
            var owner = owners[(start + i) % points.Length];
            if (seen.Add(owner))
            {
                yield return owner;
            }
        }
    }
}
