using Hearth.Instances.Model;

namespace Hearth.Instances.Supervision;

/// <summary>A snapshot of one instance: its definition, desired and observed state, and the process behind it.</summary>
public sealed record InstanceStatus(
    string Name,
    InstanceState State,
    DesiredState Desired,
    int? Port,
    int? Pid,
    int Restarts,
    string? Reason,
    DateTimeOffset Since,
    int Run,
    InstanceSpec Spec)
{
    public bool IsUp => State is InstanceState.Ready or InstanceState.Unhealthy;
}
