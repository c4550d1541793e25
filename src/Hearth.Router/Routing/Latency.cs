namespace Hearth.Router.Routing;

/// <summary>Lowest smoothed time to first token first. A backend with no sample yet scores 0, so every backend gets measured.</summary>
public sealed class Latency : IRoutingStrategy
{
    private readonly Rotation rotation = new();

    public void Order(List<RouteCandidate> candidates, in RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        rotation.Rotate(candidates);
        Sort.Stable(candidates, c => double.IsNaN(c.Backend.TtftSeconds) ? 0 : c.Backend.TtftSeconds);
    }
}
