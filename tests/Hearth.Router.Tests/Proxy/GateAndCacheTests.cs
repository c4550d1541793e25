using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Access;
using Hearth.Router.Caching;
using Hearth.Router.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Router.Tests.Proxy;

/// <summary>The pipeline honours the gate and cache seams (with small test implementations; the real ones live in Access/ and Caching/).</summary>
public sealed class GateAndCacheTests
{
    private static async Task<HttpResponseMessage> Chat(RunningRouter router, string? key, string model = "m", string extra = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]{{extra}}}""", Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        return await router.Http.SendAsync(request);
    }

    [Fact]
    public async Task The_gate_refuses_with_401_403_429_and_rate_headers_and_records_usage_of_admitted_requests()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var gate = new TestGate();
        await using var router = await RunningRouter.StartAsync("backends:\n" + RunningRouter.Backend("a", upstream.Address),
            s => s.AddSingleton<IRequestGate>(gate));

        using (var none = await Chat(router, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("invalid_api_key", (string?)JsonNode.Parse(await none.Content.ReadAsStringAsync())!["error"]!["code"]);
        }

        using (var narrow = await Chat(router, "narrow"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, narrow.StatusCode);
        }

        using (var limited = await Chat(router, "limited"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("42", limited.Headers.GetValues("Retry-After").Single());
            Assert.Equal("0", limited.Headers.GetValues("x-ratelimit-remaining-requests").Single());
            Assert.Equal("10", limited.Headers.GetValues("x-ratelimit-remaining-tokens").Single());
            Assert.Equal("rate_limit_exceeded", (string?)JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["error"]!["code"]);
        }

        Assert.Empty(upstream.Requests); // nothing refused reached a backend

        using (var ok = await Chat(router, "good"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("99", ok.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        }

        Assert.Equal(("k1", 5L), Assert.Single(gate.Usage)); // 3 prompt + 2 completion tokens from the answer's usage
        var metrics = await router.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("hearth_router_refusals_total{outcome=\"rate_limited\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_answer_counts_its_tokens_against_the_key_too()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.Handler = (c, r) => ScriptedUpstream.Sse(c, r.Text.Contains("\"include_usage\":true", StringComparison.Ordinal)
            ? [ScriptedUpstream.Chunk("hi"), """{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":6,"completion_tokens":1,"total_tokens":7}}""", "[DONE]"]
            : [ScriptedUpstream.Chunk("hi"), "[DONE]"]);
        var gate = new TestGate();
        await using var router = await RunningRouter.StartAsync("backends:\n" + RunningRouter.Backend("a", upstream.Address),
            s => s.AddSingleton<IRequestGate>(gate));
        using var response = await Chat(router, "good", extra: ",\"stream\":true");
        Assert.Contains("[DONE]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.EndsWith(",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", upstream.Requests.Single().Text, StringComparison.Ordinal);
        Assert.Equal(("k1", 7L), Assert.Single(gate.Usage));
    }

    [Fact]
    public async Task Private_keys_stay_off_external_backends()
    {
        await using var external = await ScriptedUpstream.StartAsync();
        await using var router = await RunningRouter.StartAsync($$$"""
            backends:
              - {name: ext, url: "{{{external.Address}}}", models: [m], tier: external, health: {period: 1h}}
            """, s => s.AddSingleton<IRequestGate>(new TestGate()));
        using (var shared = await Chat(router, "good"))
        {
            Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
        }

        using var privateKey = await Chat(router, "private");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, privateKey.StatusCode);
        Assert.Single(external.Requests);
    }

    [Fact]
    public async Task A_deterministic_request_is_answered_from_the_cache_the_second_time()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var cache = new TestCache();
        await using var router = await RunningRouter.StartAsync("backends:\n" + RunningRouter.Backend("a", upstream.Address),
            s => s.AddSingleton<IResponseCache>(cache));
        using var first = await Chat(router, null, extra: ",\"temperature\":0");
        Assert.Equal("miss", first.Headers.GetValues("x-hearth-cache").Single());
        var body = await first.Content.ReadAsStringAsync();
        using var second = await Chat(router, null, extra: ",\"temperature\":0");
        Assert.Equal("hit", second.Headers.GetValues("x-hearth-cache").Single());
        Assert.Equal("a", second.Headers.GetValues("x-hearth-backend").Single());
        Assert.Equal(body, await second.Content.ReadAsStringAsync());
        Assert.Single(upstream.Requests);

        using var random = await Chat(router, null, extra: ",\"temperature\":1");
        Assert.False(random.Headers.Contains("x-hearth-cache"));
        Assert.Equal(2, upstream.Requests.Count);
    }
}
