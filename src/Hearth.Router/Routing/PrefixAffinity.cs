using System.Collections.Concurrent;

namespace Hearth.Router.Routing;

/// <summary>
/// Requests whose prompts start alike (a shared system prompt) go where that prefix's KV cache already is:
/// the first <see cref="PrefixChars"/> characters are hashed onto a consistent-hash ring of the candidates.
/// Rings are built once per candidate set and reused. No prompt text: least-busy.
/// </summary>
public sealed class PrefixAffinity(int prefixTokens) : IRoutingStrategy
{
    /// <summary>About four characters per token in English text and code.</summary>
    public int PrefixChars { get; } = Math.Max(1, prefixTokens) * 4;

    private readonly ConcurrentDictionary<string, HashRing> rings = new(StringComparer.Ordinal);
    private readonly LeastBusy fallback = new();

    public void Order(List<RouteCandidate> candidates, in RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (string.IsNullOrEmpty(request.Prefix) || candidates.Count < 2)
        {
            fallback.Order(candidates, request);
            return;
        }

        var setKey = string.Join('\n', candidates.Select(c => c.Backend.Name + "\t" + c.Backend.Weight));
        if (rings.Count > 1024)
        {
            rings.Clear(); // bounded: backend sets change rarely; a flood of sets must not grow memory
        }

        var ring = rings.GetOrAdd(setKey, _ => new HashRing(candidates.Select(c => (c.Backend.Name, c.Backend.Weight))));
        var prefix = request.Prefix.AsSpan(0, Math.Min(request.Prefix.Length, PrefixChars));
        var order = ring.Walk(StableHash.Of(prefix)).Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        Sort.Stable(candidates, c => order.TryGetValue(c.Backend.Name, out var i) ? i : int.MaxValue);
    }
}
