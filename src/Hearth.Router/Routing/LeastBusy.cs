namespace Hearth.Router.Routing;

/// <summary>Fewest requests in flight per unit of weight first; ties rotate.</summary>
public sealed class LeastBusy : IRoutingStrategy
{
    private readonly Rotation rotation = new();

    public void Order(List<RouteCandidate> candidates, in RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        rotation.Rotate(candidates);
        Sort.Stable(candidates, c => (c.Backend.InFlight + 1.0) / c.Backend.Weight);
    }
}
