using Hearth.Router.Registry;

namespace Hearth.Router.Kubernetes;

/// <summary>
/// The registry the backend pool sees when Kubernetes discovery is on: the SQLite registry's aliases and
/// backends (when there is one) plus every pod the discovery found. Admin-added backends win a name clash,
/// as config-file backends win over both (see <c>BackendPool</c>).
/// </summary>
internal sealed class DiscoveredRegistry : IRouterRegistry
{
    private readonly IRouterRegistry? inner;
    private readonly KubernetesBackendDiscovery discovery;
    private readonly Lock gate = new();
    private RegistrySnapshot current;

    public DiscoveredRegistry(IRouterRegistry? inner, KubernetesBackendDiscovery discovery)
    {
        this.inner = inner;
        this.discovery = discovery;
        current = Combine();
        if (inner is not null)
        {
            inner.Changed += _ => Publish();
        }

        discovery.Changed += _ => Publish();
    }

    public RegistrySnapshot Current => current;

    public event Action<RegistrySnapshot>? Changed;

    private void Publish()
    {
        RegistrySnapshot snapshot;
        lock (gate)
        {
            snapshot = current = Combine();
        }

        Changed?.Invoke(snapshot);
    }

    private RegistrySnapshot Combine()
    {
        var stored = inner?.Current ?? RegistrySnapshot.Empty;
        var names = new HashSet<string>(stored.Backends.Select(b => b.Name), StringComparer.Ordinal);
        return stored with { Backends = [.. stored.Backends, .. discovery.Current.Where(b => !names.Contains(b.Name))] };
    }
}
