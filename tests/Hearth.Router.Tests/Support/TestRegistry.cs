using Hearth.Router.Registry;

namespace Hearth.Router.Tests.Support;

/// <summary>A stand-in for the SQLite registry (Registry/, arriving at merge): a snapshot the test replaces, raising Changed.</summary>
internal sealed class TestRegistry(RegistrySnapshot initial) : IRouterRegistry
{
    public RegistrySnapshot Current { get; private set; } = initial;

    public event Action<RegistrySnapshot>? Changed;

    public void Publish(RegistrySnapshot snapshot)
    {
        Current = snapshot;
        Changed?.Invoke(snapshot);
    }
}
