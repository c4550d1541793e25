using System.Collections.Concurrent;
using Hearth.Router.Kubernetes;
using Hearth.Router.Registry;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Router.Tests.Kubernetes;

/// <summary>
/// Discovery through the real KubernetesClient against a scripted API server on loopback: no
/// Kubernetes API server runs on this machine, and the faults (an API server answering 500) are
/// exactly what a fake is for.
/// </summary>
public sealed class KubernetesBackendDiscoveryTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> requests = new();
    private WebApplication? api;
    private volatile V1PodList pods = new() { Items = [FakePods.Pod("engine-0", "10.1.0.1")] };
    private volatile bool failing;

    private string Url => api!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        api = builder.Build();
        api.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext context, string ns) =>
        {
            // Take the answer before recording the request: a test that waits for the request
            // may then change the pods without racing this response.
            var answer = KubernetesJson.Serialize(pods);
            var fail = failing;
            requests.Enqueue($"{ns}?{context.Request.Query["labelSelector"]}");
            return fail
                ? Results.Text("{\"kind\":\"Status\",\"status\":\"Failure\",\"code\":500}", "application/json", statusCode: 500)
                : Results.Text(answer, "application/json");
        });
        await api.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (api is not null)
        {
            await api.DisposeAsync();
        }
    }

    private KubernetesBackendDiscovery Discovery(TimeProvider? time = null) => new(
        new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Url }),
        new KubernetesDiscoveryOptions { LabelSelector = "app.kubernetes.io/component=engine", Namespace = "ai", Port = 8000 },
        time ?? TimeProvider.System,
        NullLogger<KubernetesBackendDiscovery>.Instance);

    [Fact]
    public async Task Lists_pods_by_namespace_and_selector_and_reports_changes_once()
    {
        await using var discovery = Discovery();
        var changes = new List<IReadOnlyList<RegisteredBackend>>();
        discovery.Changed += changes.Add;

        Assert.True(await discovery.RefreshAsync(CancellationToken.None));
        Assert.True(await discovery.RefreshAsync(CancellationToken.None));

        Assert.Equal(["ai?app.kubernetes.io/component=engine", "ai?app.kubernetes.io/component=engine"], requests);
        var change = Assert.Single(changes);
        Assert.Equal(new Uri("http://10.1.0.1:8000"), Assert.Single(change).Url);
    }

    [Fact]
    public async Task A_new_ready_pod_is_added_and_a_removed_one_dropped()
    {
        await using var discovery = Discovery();
        await discovery.RefreshAsync(CancellationToken.None);

        pods = new V1PodList { Items = [FakePods.Pod("engine-1", "10.1.0.2"), FakePods.Pod("engine-2", "10.1.0.3", ready: false)] };
        await discovery.RefreshAsync(CancellationToken.None);

        Assert.Equal(["engine-1"], discovery.Current.Select(b => b.Name));
    }

    [Fact]
    public async Task A_failing_api_server_keeps_the_last_good_backends()
    {
        await using var discovery = Discovery();
        await discovery.RefreshAsync(CancellationToken.None);
        var changes = 0;
        discovery.Changed += _ => changes++;

        failing = true;
        Assert.False(await discovery.RefreshAsync(CancellationToken.None));

        Assert.Equal(["engine-0"], discovery.Current.Select(b => b.Name));
        Assert.Equal(0, changes);
    }

    [Fact]
    public async Task Refreshes_every_period_of_the_injected_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var discovery = Discovery(time);
        var seen = new TaskCompletionSource<IReadOnlyList<RegisteredBackend>>(TaskCreationOptions.RunContinuationsAsynchronously);
        discovery.Changed += found =>
        {
            if (found.Count == 2)
            {
                seen.TrySetResult(found);
            }
        };

        discovery.Start();
        await WaitUntil(() => !requests.IsEmpty);
        pods = new V1PodList { Items = [FakePods.Pod("engine-0", "10.1.0.1"), FakePods.Pod("engine-1", "10.1.0.2")] };
        Assert.Single(requests);

        time.Advance(TimeSpan.FromSeconds(10));

        var found = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["engine-0", "engine-1"], found.Select(b => b.Name));
        Assert.Equal(2, requests.Count);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in 30 s");
            await Task.Delay(10);
        }
    }
}
