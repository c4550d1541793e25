using System.Text;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.Proxy;

public sealed class LoadAwareTests
{
    [Fact]
    public async Task Load_aware_routing_reads_each_backends_metrics_and_avoids_the_loaded_one()
    {
        await using var hearth = await ScriptedUpstream.StartAsync();
        await using var vllm = await ScriptedUpstream.StartAsync();
        hearth.MetricsText = "hearth_queue_depth 9\nhearth_active_slots 4\n";
        vllm.MetricsText = "vllm:num_requests_waiting{model_name=\"m\"} 0.0\nvllm:num_requests_running{model_name=\"m\"} 1.0\nvllm:gpu_cache_usage_perc{model_name=\"m\"} 0.1\n";
        await using var router = await RunningRouter.StartAsync($$$"""
            routing: {strategy: load-aware}
            backends:
              - {name: hearth, url: "{{{hearth.Address}}}", models: [m], health: {period: 1h}}
              - {name: vllm, url: "{{{vllm.Address}}}", models: [m], health: {period: 1h}}
            """);
        for (var i = 0; i < 6; i++)
        {
            using var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
                new StringContent("""{"model":"m","messages":[]}""", Encoding.UTF8, "application/json"));
            Assert.Equal("vllm", response.Headers.GetValues("x-hearth-backend").Single());
        }

        Assert.Empty(hearth.Requests);
    }

    [Fact]
    public async Task An_unknown_model_is_503_not_404_while_a_discovering_backend_has_not_reported()
    {
        await using var down = await ScriptedUpstream.StartAsync();
        down.Healthy = false;
        await using var router = await RunningRouter.StartAsync($$$"""
            backends:
              - {name: later, url: "{{{down.Address}}}", health: {period: 1h}}
            """);
        using var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
            new StringContent("""{"model":"m","messages":[]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.Contains("Retry-After"));
    }
}
