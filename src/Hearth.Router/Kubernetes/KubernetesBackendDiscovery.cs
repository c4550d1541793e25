using Hearth.Router.Registry;
using k8s;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Kubernetes;

/// <summary>
/// Keeps the list of backends found in the Kubernetes API current: lists the matching pods every
/// period and raises <see cref="Changed"/> when the set differs. A failed list keeps the last good
/// set, so an API-server restart never empties the router.
/// </summary>
public sealed partial class KubernetesBackendDiscovery : IAsyncDisposable
{
    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    private readonly IKubernetes client;
    private readonly KubernetesDiscoveryOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly string @namespace;
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;
    private int disposed;

    public KubernetesBackendDiscovery(IKubernetes client, KubernetesDiscoveryOptions options, TimeProvider time, ILogger<KubernetesBackendDiscovery> logger)
    {
        this.client = client;
        this.options = options;
        this.time = time;
        this.logger = logger;
        @namespace = options.Namespace
            ?? (File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : "default");
    }

    public IReadOnlyList<RegisteredBackend> Current { get; private set; } = [];

    /// <summary>Raised with the new set after a refresh that changed it.</summary>
    public event Action<IReadOnlyList<RegisteredBackend>>? Changed;

    /// <summary>A client for the cluster the router runs in (service-account token), else the kubeconfig of the user.</summary>
    public static IKubernetes CreateClient() => new k8s.Kubernetes(
        KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile());

    /// <summary>Lists the pods once. Returns false (and keeps the last set) when the API call failed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: options.LabelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
            var found = PodBackends.From(pods, options);
            if (!found.SequenceEqual(Current, BackendComparer.Instance))
            {
                Current = found;
                LogDiscovered(found.Count, @namespace, options.LabelSelector);
                Changed?.Invoke(found);
            }

            return true;
        }
        catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException or TaskCanceledException or System.Text.Json.JsonException
            && !cancellationToken.IsCancellationRequested)
        {
            LogListFailed(@namespace, Current.Count, e.Message);
            return false;
        }
    }

    /// <summary>Refreshes now, then every period until disposed.</summary>
    public void Start()
    {
        loop ??= RunAsync(stopping.Token);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Period, time);
        try
        {
            do
            {
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops polling. Safe to call twice (the host stops it, then the container disposes it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        stopping.Dispose();
        client.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubernetes discovery: {Count} backends in namespace {Namespace} match {Selector}")]
    private partial void LogDiscovered(int count, string @namespace, string selector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubernetes discovery: listing pods in {Namespace} failed ({Reason}); keeping the {Count} backends found before")]
    private partial void LogListFailed(string @namespace, int count, string reason);

    private sealed class BackendComparer : IEqualityComparer<RegisteredBackend>
    {
        public static readonly BackendComparer Instance = new();

        public bool Equals(RegisteredBackend? x, RegisteredBackend? y) =>
            x is not null && y is not null
            && x.Name == y.Name && x.Url == y.Url && x.Type == y.Type && x.Tier == y.Tier
            && x.MaxConcurrency == y.MaxConcurrency
            && (x.Models ?? []).SequenceEqual(y.Models ?? []);

        public int GetHashCode(RegisteredBackend obj) => HashCode.Combine(obj.Name, obj.Url);
    }
}
