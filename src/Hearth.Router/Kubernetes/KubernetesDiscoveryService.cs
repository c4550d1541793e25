using Microsoft.Extensions.Hosting;

namespace Hearth.Router.Kubernetes;

/// <summary>Starts the pod polling with the host and stops it on shutdown.</summary>
internal sealed class KubernetesDiscoveryService(KubernetesBackendDiscovery discovery) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        discovery.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => discovery.DisposeAsync().AsTask();
}
