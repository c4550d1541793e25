using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.Proxy;

public sealed class TracingTests
{
    [Fact]
    public async Task Each_upstream_attempt_is_a_client_span_with_genai_attributes_and_the_trace_goes_upstream()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Hearth.Router",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var failing = await ScriptedUpstream.StartAsync();
        await using var fine = await ScriptedUpstream.StartAsync();
        failing.Handler = (c, _) => ScriptedUpstream.Json(c, "{}", 500);
        await using var router = await RunningRouter.StartAsync($$$"""
            routing: {strategy: round-robin}
            backends:
              - {name: failing, url: "{{{failing.Address}}}", models: [m], health: {period: 1h}}
              - {name: fine, url: "{{{fine.Address}}}", models: [m], tier: cluster, health: {period: 1h}}
            """);
        using var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
            new StringContent("""{"model":"m","messages":[]}""", Encoding.UTF8, "application/json"));
        // The listener hears every router in the process (test classes run in parallel): keep this test's upstreams' spans.
        var ports = new[] { failing.Address.Port, fine.Address.Port };
        var attempts = spans.Where(s => s.Source.Name == "Hearth.Router" && s.GetTagItem("server.port") is int port && ports.Contains(port)).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, s => Assert.Equal(("chat m", ActivityKind.Client, "chat", "m"),
            (s.DisplayName, s.Kind, s.GetTagItem("gen_ai.operation.name"), s.GetTagItem("gen_ai.request.model"))));
        Assert.Equal("500", attempts[0].GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal("fine", attempts[1].GetTagItem("hearth.router.backend"));
        Assert.Contains(attempts[1].TraceId.ToHexString(), fine.Requests.Single().Headers["traceparent"], StringComparison.Ordinal);
    }
}
