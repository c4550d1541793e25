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

public sealed class AffinityTests
{
    [Fact]
    public async Task A_session_header_or_user_keeps_a_conversation_on_one_backend()
    {
        await using var a = await ScriptedUpstream.StartAsync();
        await using var b = await ScriptedUpstream.StartAsync();
        await using var router = await RunningRouter.StartAsync($$$"""
            routing: {strategy: session-affinity}
            backends:
              - {name: a, url: "{{{a.Address}}}", models: [m], health: {period: 1h}}
              - {name: b, url: "{{{b.Address}}}", models: [m], health: {period: 1h}}
            """);

        async Task<string> Send(string? session, string? user)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(user is null ? """{"model":"m","messages":[]}""" : $$"""{"model":"m","user":"{{user}}","messages":[]}""", Encoding.UTF8, "application/json"),
            };
            if (session is not null)
            {
                request.Headers.Add("x-session-id", session);
            }

            using var response = await router.Http.SendAsync(request);
            return response.Headers.GetValues("x-hearth-backend").Single();
        }

        var sessions = new List<string>();
        for (var s = 0; s < 12; s++)
        {
            var first = await Send("session-" + s, null);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(first, await Send("session-" + s, null));
            }

            Assert.Equal(await Send(null, "user-" + s), await Send(null, "user-" + s));
            sessions.Add(first);
        }

        Assert.Equal(2, sessions.Distinct().Count());
    }
}
