using System.Net;
using System.Text;
using Hearth.Router.Config;
using Hearth.Router.Tests.Support;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Tests.Kubernetes;

/// <summary>
/// <c>kubernetes_discovery:</c> in router.yaml, end to end: the router host lists pods from a scripted API server,
/// a ready pod whose IP and port are a real loopback upstream becomes a backend and serves requests, and a pod that
/// goes away is dropped. The config's errors come with their place.
/// </summary>
public sealed class DiscoveryThroughRouterTests
{
    [Fact]
    public async Task A_discovered_pod_serves_requests_and_leaves_when_its_pod_goes()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var pods = new V1PodList { Items = [FakePods.Pod("engine-0", "127.0.0.1", httpPort: upstream.Address.Port)] };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var api = builder.Build();
        api.MapGet("/api/v1/namespaces/{ns}/pods", (string ns) => ns == "ai"
            ? Results.Text(KubernetesJson.Serialize(pods), "application/json")
            : Results.NotFound());
        await api.StartAsync();
        var apiUrl = api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        const string yaml = """
            kubernetes_discovery:
              label_selector: app=engine
              namespace: ai
              period: 1s
            """;
        await using var router = await RunningRouter.StartAsync(yaml,
            s => s.AddSingleton<IKubernetes>(new k8s.Kubernetes(new KubernetesClientConfiguration { Host = apiUrl })));

        await router.WaitForModelAsync("m"); // the pod carries no models annotation: its /v1/models was asked
        using (var content = new StringContent("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"))
        using (var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("engine-0", response.Headers.GetValues("x-hearth-backend").Single());
        }

        pods = new V1PodList { Items = [] };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string models;
        do
        {
            await Task.Delay(200);
            models = await router.Http.GetStringAsync(new Uri("/v1/models", UriKind.Relative));
        }
        while (models.Contains("\"id\":\"m\"", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.DoesNotContain("\"id\":\"m\"", models, StringComparison.Ordinal);
    }

    [Fact]
    public void The_config_reads_every_key_and_defaults_the_rest()
    {
        var options = RouterConfigLoader.Load("""
            kubernetes_discovery:
              label_selector: app.kubernetes.io/component=engine
              port: 8080
              type: ollama
              tier: local
              max_concurrency: 8
            """, "k.yaml", _ => null);
        var discovery = Assert.IsType<Hearth.Router.Kubernetes.KubernetesDiscoveryOptions>(options.KubernetesDiscovery);
        Assert.Equal("app.kubernetes.io/component=engine", discovery.LabelSelector);
        Assert.Null(discovery.Namespace);
        Assert.Equal(8080, discovery.Port);
        Assert.Equal("ollama", discovery.Type);
        Assert.Equal("local", discovery.Tier);
        Assert.Equal(8, discovery.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(10), discovery.Period);
    }

    [Fact]
    public void A_missing_selector_and_bad_values_are_reported_together_with_their_place()
    {
        var e = Assert.Throws<RouterConfigException>(() => RouterConfigLoader.Load("""
            kubernetes_discovery:
              port: 70000
              tier: galaxy
              lable_selector: app=engine
            """, "k.yaml", _ => null));
        var text = string.Join("\n", e.Errors.Select(x => x.ToString()));
        Assert.Contains("kubernetes_discovery.port (line 2:9)", text, StringComparison.Ordinal);
        Assert.Contains("kubernetes_discovery.tier (line 3:9)", text, StringComparison.Ordinal);
        Assert.Contains("lable_selector", text, StringComparison.Ordinal);
        Assert.Contains("kubernetes_discovery.label_selector", text, StringComparison.Ordinal);
    }
}
