namespace Hearth.Router.Routing;

/// <summary>
/// Same session (x-session-id, else the OpenAI <c>user</c>) → same backend, so its prompt cache is reused.
/// Rendezvous hashing: each backend scores hash(session, backend) and the highest wins; when a backend
/// leaves, only its sessions move, and the retry order is stable too. No session key: least-busy.
/// </summary>
public sealed class SessionAffinity : IRoutingStrategy
{
    private readonly LeastBusy fallback = new();

    public void Order(List<RouteCandidate> candidates, in RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (string.IsNullOrEmpty(request.SessionKey))
        {
            fallback.Order(candidates, request);
            return;
        }

        var key = StableHash.Of(request.SessionKey);
        Sort.Stable(candidates, c => -Score(key, c));
    }

    /// <summary>Weighted rendezvous score: -w / ln(u) with u uniform in (0,1) from the pair's hash.</summary>
    private static double Score(ulong key, RouteCandidate c)
    {
        var h = StableHash.Combine(key, StableHash.Of(c.Backend.Name));
        var u = ((h >> 11) + 0.5) / (1UL << 53);
        return -c.Backend.Weight / Math.Log(u);
    }
}
