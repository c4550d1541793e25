using Hearth.Instances.Blueprints;
using Hearth.Instances.Ports;
using Hearth.Instances.State;

namespace Hearth.Instances.Supervision;

/// <summary>What every instance actor shares: settings, state database, blueprints, ports, clock, randomness.</summary>
internal sealed class SupervisorContext(SupervisorOptions options, InstanceDatabase db, BlueprintCatalog blueprints, PortAllocator ports, TimeProvider time, Random random, HttpClient http)
{
    public SupervisorOptions Options { get; } = options;

    public InstanceDatabase Db { get; } = db;

    public BlueprintCatalog Blueprints { get; } = blueprints;

    public PortAllocator Ports { get; } = ports;

    public TimeProvider Time { get; } = time;

    public Random Random { get; } = random;

    public HttpClient Http { get; } = http;

    public string HearthCommand { get; } = options.HearthCommand ?? LaunchPlanner.DefaultHearthCommand();

    public string InstanceFolder(string name) => Path.Combine(Options.Home, "instances", name);

    public event Action<InstanceStatus>? StateChanged;

    public void Changed(InstanceStatus status) => StateChanged?.Invoke(status);
}
