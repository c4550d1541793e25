namespace Hearth.Router.Routing;

/// <summary>Round-robin by weight: a backend of weight 3 is first three times as often as one of weight 1.</summary>
public sealed class RoundRobin : IRoutingStrategy
{
    private long counter = -1;

    public void Order(List<RouteCandidate> candidates, in RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count < 2)
        {
            return;
        }

        var total = candidates.Sum(c => c.Backend.Weight);
        var slot = (int)((ulong)Interlocked.Increment(ref counter) % (ulong)total);
        var first = 0;
        while (slot >= candidates[first].Backend.Weight)
        {
            slot -= candidates[first].Backend.Weight;
            first++;
        }

        var head = candidates.GetRange(0, first);
        candidates.RemoveRange(0, first);
        candidates.AddRange(head);
    }
}
