namespace Hearth.Router.Routing;

/// <summary>
/// Least loaded first, by what each backend's /metrics says plus what the router itself has in flight there:
/// score = (in-flight + running/2 + 2 × waiting) / weight + 4 × KV cache use. Waiting requests weigh most (they
/// add queueing delay directly); a nearly full KV cache means preemption soon. Ties rotate.
/// </summary>
public sealed class LoadAware : IRoutingStrategy
{
    private readonly Rotation rotation = new();

    public static double Score(Backends.BackendState backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var load = backend.Load;
        return ((backend.InFlight + (load.Running / 2) + (2 * load.Waiting)) / backend.Weight) + (4 * load.KvCacheUsage);
    }

    public void Order(List<RouteCandidate> candidates, in RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        rotation.Rotate(candidates);
        Sort.Stable(candidates, c => Score(c.Backend));
    }
}
