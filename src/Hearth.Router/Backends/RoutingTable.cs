using Hearth.Router.Routing;

namespace Hearth.Router.Backends;

/// <summary>
/// An immutable snapshot of what can serve what: backends by name, and each public model name's deployments.
/// Rebuilt (never mutated) when discovery or the registry changes, then swapped in with one reference write,
/// so the request path reads it without locks and never touches the database.
/// </summary>
internal sealed class RoutingTable
{
    public RoutingTable(IReadOnlyList<Backend> backends, IReadOnlyDictionary<string, IReadOnlyList<(string Backend, string Model)>> aliases)
    {
        Backends = backends;
        ByName = backends.ToDictionary(b => b.Name, StringComparer.Ordinal);
        var models = new Dictionary<string, List<RouteCandidate>>(StringComparer.Ordinal);
        foreach (var b in backends)
        {
            foreach (var m in b.Models)
            {
                Add(models, m, new RouteCandidate(b.State, m));
            }
        }

        foreach (var (alias, targets) in aliases)
        {
            foreach (var (backend, model) in targets)
            {
                if (ByName.TryGetValue(backend, out var b))
                {
                    Add(models, alias, new RouteCandidate(b.State, model));
                }
            }
        }

        Models = models.ToDictionary(p => p.Key, p => (IReadOnlyList<RouteCandidate>)p.Value.ToArray(), StringComparer.Ordinal);
    }

    public IReadOnlyList<Backend> Backends { get; }

    public IReadOnlyDictionary<string, Backend> ByName { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<RouteCandidate>> Models { get; }

    private static void Add(Dictionary<string, List<RouteCandidate>> models, string name, RouteCandidate candidate)
    {
        if (!models.TryGetValue(name, out var list))
        {
            models[name] = list = [];
        }

        if (!list.Any(c => ReferenceEquals(c.Backend, candidate.Backend) && c.Model == candidate.Model))
        {
            list.Add(candidate);
        }
    }
}
