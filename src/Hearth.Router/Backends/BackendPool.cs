using Hearth.Router.Config;
using Hearth.Router.Registry;

namespace Hearth.Router.Backends;

/// <summary>
/// Owns every <see cref="Backend"/> (from the config file and from the registry) and publishes the current
/// <see cref="RoutingTable"/>. Backends keep their state and connection pool across rebuilds; one removed
/// from the registry is retired, not disposed, because requests may still be streaming through it.
/// </summary>
internal sealed class BackendPool : IDisposable
{
    private readonly RouterOptions options;
    private readonly TimeProvider time;
    private readonly Func<string, string?> environment;
    private readonly IRouterRegistry? registry;
    private readonly Lock gate = new();
    private readonly List<Backend> configured;
    private readonly Dictionary<string, Backend> registered = new(StringComparer.Ordinal);
    private readonly List<Backend> retired = [];
    private volatile RoutingTable current;

    public BackendPool(RouterOptions options, TimeProvider time, IRouterRegistry? registry, Func<string, string?>? environment = null)
    {
        this.options = options;
        this.time = time;
        this.registry = registry;
        this.environment = environment ?? Environment.GetEnvironmentVariable;
        configured = [.. options.Backends.Select(b => new Backend(b, options.Routing, time, this.environment))];
        current = Build(registry?.Current ?? RegistrySnapshot.Empty);
        if (registry is not null)
        {
            registry.Changed += snapshot => Rebuild(snapshot);
        }
    }

    public RoutingTable Current => current;

    public event Action<Backend, TimeSpan>? CircuitOpened;

    /// <summary>Rebuilds the table (after discovery found new models, or the registry changed).</summary>
    public void Rebuild(RegistrySnapshot? snapshot = null)
    {
        lock (gate)
        {
            current = Build(snapshot ?? registry?.Current ?? RegistrySnapshot.Empty);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var b in configured.Concat(registered.Values).Concat(retired))
            {
                b.Dispose();
            }
        }
    }

    private RoutingTable Build(RegistrySnapshot snapshot)
    {
        lock (gate)
        {
            var wanted = new HashSet<string>(snapshot.Backends.Select(b => b.Name), StringComparer.Ordinal);
            foreach (var name in registered.Keys.Where(n => !wanted.Contains(n)).ToList())
            {
                retired.Add(registered[name]);
                registered.Remove(name);
            }

            foreach (var r in snapshot.Backends)
            {
                // Config-file backends win a name clash: the file is the operator's source of truth.
                if (registered.ContainsKey(r.Name) || configured.Any(c => c.Name == r.Name))
                {
                    continue;
                }

                var b = new Backend(FromRegistry(r), options.Routing, time, environment);
                b.CircuitOpened += (backend, d) => CircuitOpened?.Invoke(backend, d);
                registered[r.Name] = b;
            }

            foreach (var c in configured)
            {
                c.CircuitOpened -= Forward;
                c.CircuitOpened += Forward;
            }

            var aliases = snapshot.Aliases.ToDictionary(
                p => p.Key,
                p => (IReadOnlyList<(string, string)>)[.. p.Value.Select(t => (t.Backend, t.BackendModel))],
                StringComparer.Ordinal);
            return new RoutingTable([.. configured, .. registered.Values], aliases);
        }
    }

    private void Forward(Backend backend, TimeSpan duration) => CircuitOpened?.Invoke(backend, duration);

    private static BackendOptions FromRegistry(RegisteredBackend r) => new()
    {
        Name = r.Name,
        Url = r.Url,
        Type = r.Type.Equals("ollama", StringComparison.OrdinalIgnoreCase) ? BackendType.Ollama : BackendType.OpenAI,
        Models = r.Models is null ? null : [.. r.Models],
        ApiKeyEnv = r.ApiKeyEnv,
        Tier = Enum.TryParse<BackendTier>(r.Tier, ignoreCase: true, out var tier) ? tier : BackendTier.Local,
        Weight = Math.Max(1, r.Weight),
        MaxConcurrency = Math.Max(1, r.MaxConcurrency),
    };
}
