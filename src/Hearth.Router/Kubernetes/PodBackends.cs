using System.Globalization;
using Hearth.Router.Registry;
using k8s.Models;

namespace Hearth.Router.Kubernetes;

/// <summary>Which pods of a list are backends, and how each is reached: a pure mapping, tested without an API server.</summary>
public static class PodBackends
{
    public static IReadOnlyList<RegisteredBackend> From(V1PodList pods, KubernetesDiscoveryOptions options)
    {
        var backends = new List<RegisteredBackend>();
        foreach (var pod in pods.Items ?? [])
        {
            if (!IsServing(pod))
            {
                continue;
            }

            var annotations = pod.Metadata.Annotations;
            var models = annotations is not null && annotations.TryGetValue(KubernetesDiscoveryOptions.ModelsAnnotation, out var list)
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : null;
            var maxConcurrency = annotations is not null
                && annotations.TryGetValue(KubernetesDiscoveryOptions.MaxConcurrencyAnnotation, out var cap)
                && int.TryParse(cap, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
                    ? parsed
                    : options.MaxConcurrency;
            backends.Add(new RegisteredBackend(
                Name: pod.Metadata.Name,
                Url: new Uri($"http://{Host(pod.Status.PodIP)}:{HttpPort(pod, options.Port)}"),
                Type: options.Type,
                Models: models,
                ApiKeyEnv: null,
                Tier: options.Tier,
                Weight: 1,
                MaxConcurrency: maxConcurrency));
        }

        backends.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return backends;
    }

    /// <summary>Running, Ready, with an address, and not on its way out (a terminating pod stays
    /// Ready until its containers stop, but must get no new requests).</summary>
    private static bool IsServing(V1Pod pod) =>
        pod.Metadata?.DeletionTimestamp is null
        && pod.Status?.Phase == "Running"
        && !string.IsNullOrEmpty(pod.Status.PodIP)
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static int HttpPort(V1Pod pod, int fallback) =>
        pod.Spec?.Containers?
            .SelectMany(c => c.Ports ?? [])
            .FirstOrDefault(p => p.Name == "http")?.ContainerPort ?? fallback;

    // IPv6 pod addresses need brackets in a URL.
    private static string Host(string ip) => ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip;
}
