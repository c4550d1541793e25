using Hearth.Instances.Model;
using Hearth.Instances.Supervision;

namespace Hearth.Instances.Api;

/// <summary>The API's view of an instance (snake_case, as the rest of the API).</summary>
internal static class StatusJson
{
    public static object From(InstanceStatus s) => new
    {
        name = s.Name,
        state = s.State.ToString().ToLowerInvariant(),
        desired = s.Desired == DesiredState.Running ? "running" : "stopped",
        port = s.Port,
        pid = s.Pid,
        restarts = s.Restarts,
        reason = s.Reason,
        since = s.Since,
        run = s.Run,
        url = $"/i/{s.Name}/",
        models = s.Spec.ServedModels(),
        spec = s.Spec,
    };
}
