using Hearth.Router.Config;

namespace Hearth.Router.Routing;

/// <summary>
/// Turns a model's deployments into the order to try them: available ones only (healthy, circuit closed),
/// never <c>external</c> for a private key; <c>local</c>, then <c>cluster</c>, then <c>external</c>, each tier
/// ordered by the strategy; a backend that is busy (at max_concurrency, or its smoothed time to first token
/// over the latency budget) moves behind every non-busy one, which is what makes a request spill to the next tier.
/// </summary>
public static class TierPlanner
{
    public static List<RouteCandidate> Plan(
        IReadOnlyList<RouteCandidate> deployments,
        in RoutingRequest request,
        IRoutingStrategy strategy,
        bool privateKey,
        TimeSpan? latencyBudget,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        ArgumentNullException.ThrowIfNull(strategy);
        var ready = new List<RouteCandidate>(deployments.Count);
        var busy = new List<RouteCandidate>();
        foreach (var tier in (ReadOnlySpan<BackendTier>)[BackendTier.Local, BackendTier.Cluster, BackendTier.External])
        {
            if (tier == BackendTier.External && privateKey)
            {
                break;
            }

            var inTier = deployments.Where(d => d.Backend.Tier == tier && d.Backend.Available(now)).ToList();
            if (inTier.Count == 0)
            {
                continue;
            }

            strategy.Order(inTier, request);
            foreach (var c in inTier)
            {
                (IsBusy(c, latencyBudget) ? busy : ready).Add(c);
            }
        }

        ready.AddRange(busy);
        return ready;
    }

    public static bool IsBusy(RouteCandidate candidate, TimeSpan? latencyBudget)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var b = candidate.Backend;
        return b.Saturated || (latencyBudget is { } budget && !double.IsNaN(b.TtftSeconds) && b.TtftSeconds > budget.TotalSeconds);
    }

    public static IRoutingStrategy Create(RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Strategy switch
        {
            RoutingStrategyKind.RoundRobin => new RoundRobin(),
            RoutingStrategyKind.LeastBusy => new LeastBusy(),
            RoutingStrategyKind.Latency => new Latency(),
            RoutingStrategyKind.SessionAffinity => new SessionAffinity(),
            RoutingStrategyKind.PrefixAffinity => new PrefixAffinity(options.PrefixTokens),
            RoutingStrategyKind.LoadAware => new LoadAware(),
            _ => new LeastBusy(),
        };
    }
}
