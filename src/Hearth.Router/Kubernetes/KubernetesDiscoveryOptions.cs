namespace Hearth.Router.Kubernetes;

/// <summary>
/// Backend discovery from the Kubernetes API (router.yaml <c>kubernetes_discovery:</c>): every
/// ready pod matching <see cref="LabelSelector"/> becomes a backend, as vLLM's production-stack
/// router finds its engines.
/// </summary>
public sealed record KubernetesDiscoveryOptions
{
    /// <summary>Label selector of the engine pods, e.g. <c>app.kubernetes.io/component=engine</c>.</summary>
    public required string LabelSelector { get; init; }

    /// <summary>Namespace to list; null = the router pod's own (from its service-account mount).</summary>
    public string? Namespace { get; init; }

    /// <summary>Port used when the pod declares no container port named <c>http</c>. Default 8000 (vLLM's).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>Backend type of discovered pods: <c>openai</c> or <c>ollama</c>.</summary>
    public string Type { get; init; } = "openai";

    /// <summary>Spillover tier of discovered pods. Default <c>cluster</c>.</summary>
    public string Tier { get; init; } = "cluster";

    /// <summary>In-flight cap per discovered backend unless the pod's annotation says otherwise.</summary>
    public int MaxConcurrency { get; init; } = 64;

    /// <summary>How often the pod list is read. Default 10 s: a new pod serves within one period
    /// of turning ready, and the router's own health checks catch a dying one sooner.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pod annotation listing the model names a pod serves (comma-separated); without it the
    /// router discovers them from the pod's <c>/v1/models</c>.</summary>
    public const string ModelsAnnotation = "hearth.dev/models";

    /// <summary>Pod annotation overriding <see cref="MaxConcurrency"/>.</summary>
    public const string MaxConcurrencyAnnotation = "hearth.dev/max-concurrency";
}
