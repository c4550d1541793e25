using Hearth.Router.Kubernetes;
using k8s.Models;

namespace Hearth.Router.Tests.Kubernetes;

public sealed class PodBackendsTests
{
    private static readonly KubernetesDiscoveryOptions Options = new() { LabelSelector = "app=engine", Port = 8000, Tier = "cluster" };

    [Fact]
    public void Only_ready_running_pods_with_an_address_that_are_not_terminating_become_backends()
    {
        var pods = new V1PodList
        {
            Items =
            [
                FakePods.Pod("engine-b", "10.1.0.2"),
                FakePods.Pod("engine-a", "10.1.0.1"),
                FakePods.Pod("starting", "10.1.0.3", ready: false),
                FakePods.Pod("pending", null, phase: "Pending", ready: false),
                FakePods.Pod("leaving", "10.1.0.4", deleting: true),
                FakePods.Pod("finished", "10.1.0.5", phase: "Succeeded"),
            ],
        };

        var backends = PodBackends.From(pods, Options);

        Assert.Equal(["engine-a", "engine-b"], backends.Select(b => b.Name));
        Assert.Equal(new Uri("http://10.1.0.1:8000"), backends[0].Url);
        Assert.All(backends, b => Assert.Equal("cluster", b.Tier));
        Assert.All(backends, b => Assert.Equal("openai", b.Type));
        Assert.All(backends, b => Assert.Null(b.Models));
    }

    [Fact]
    public void A_port_named_http_and_the_pods_annotations_win_over_the_defaults()
    {
        var pod = FakePods.Pod("engine-0", "fd00::7", httpPort: 8080, annotations: new Dictionary<string, string>
        {
            [KubernetesDiscoveryOptions.ModelsAnnotation] = "llama-3.2-1b, qwen3-0.6b",
            [KubernetesDiscoveryOptions.MaxConcurrencyAnnotation] = "12",
        });

        var backend = Assert.Single(PodBackends.From(new V1PodList { Items = [pod] }, Options));

        Assert.Equal(new Uri("http://[fd00::7]:8080"), backend.Url);
        Assert.Equal(["llama-3.2-1b", "qwen3-0.6b"], backend.Models);
        Assert.Equal(12, backend.MaxConcurrency);
    }

    [Fact]
    public void A_malformed_concurrency_annotation_falls_back_to_the_default()
    {
        var pod = FakePods.Pod("engine-0", "10.0.0.1", annotations: new Dictionary<string, string>
        {
            [KubernetesDiscoveryOptions.MaxConcurrencyAnnotation] = "-3",
        });

        Assert.Equal(64, Assert.Single(PodBackends.From(new V1PodList { Items = [pod] }, Options)).MaxConcurrency);
    }
}
