using k8s.Models;

namespace Hearth.Router.Tests.Kubernetes;

internal static class FakePods
{
    public static V1Pod Pod(
        string name,
        string? ip,
        string phase = "Running",
        bool ready = true,
        bool deleting = false,
        int? httpPort = null,
        IDictionary<string, string>? annotations = null) => new()
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "ai",
                Labels = new Dictionary<string, string> { ["app"] = "engine" },
                Annotations = annotations,
                DeletionTimestamp = deleting ? DateTime.UtcNow : null,
            },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "engine",
                        Ports = httpPort is { } port ? [new V1ContainerPort { Name = "http", ContainerPort = port }, new V1ContainerPort { Name = "metrics", ContainerPort = 9090 }] : null,
                    },
                ],
            },
            Status = new V1PodStatus
            {
                Phase = phase,
                PodIP = ip,
                Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
            },
        };
}
