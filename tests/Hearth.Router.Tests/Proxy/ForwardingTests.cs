using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Registry;
using Hearth.Router.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Router.Tests.Proxy;

/// <summary>The router in process on a real loopback port, in front of scripted upstreams on loopback.</summary>
public sealed class ForwardingTests
{
    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_body_reaches_the_backend_byte_for_byte_and_the_answer_names_the_backend()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        await using var router = await RunningRouter.StartAsync("backends:\n" + RunningRouter.Backend("a", upstream.Address),
            environment: new Dictionary<string, string> { ["EXTERNAL_A_KEY"] = "sk-upstream" });
        var json = "{ \"messages\" : [ {\"role\":\"user\",\"content\":\"h\\u00e9llo\"} ],\n  \"model\":\"m\",  \"x_custom\": [1, 2.50, true] }";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(json) };
        request.Headers.Authorization = new("Bearer", "router-key");
        request.Headers.Add("x-request-id", "req-7");
        using var response = await router.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("a", response.Headers.GetValues("x-hearth-backend").Single());
        Assert.Equal("hello", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["message"]!["content"]);
        var received = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/chat/completions", received.Path);
        Assert.Equal(Encoding.UTF8.GetBytes(json), received.Body);
        Assert.Equal("Bearer sk-upstream", received.Headers["authorization"]); // the router's key never goes upstream
        Assert.Equal("req-7", received.Headers["x-request-id"]);
    }

    [Fact]
    public async Task A_stream_is_passed_through_chunk_by_chunk_without_buffering()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var clientGotFirst = new TaskCompletionSource();
        upstream.Handler = (c, _) => ScriptedUpstream.Sse(c, [ScriptedUpstream.Chunk("one"), ScriptedUpstream.Chunk("two"), "[DONE]"],
            i => i == 1 ? clientGotFirst.Task.WaitAsync(TimeSpan.FromSeconds(30)) : Task.CompletedTask);
        await using var router = await RunningRouter.StartAsync("backends:\n" + RunningRouter.Backend("a", upstream.Address));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body("""{"model":"m","stream":true,"messages":[]}""") };
        using var response = await router.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // The upstream sends its second event only after the client has read the first: buffering would deadlock here.
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("\"one\"", first, StringComparison.Ordinal);
        clientGotFirst.SetResult();
        var rest = await reader.ReadToEndAsync();
        Assert.Contains("\"two\"", rest, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ollama_clients_get_ndjson_through_and_their_error_shape()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.Handler = async (c, _) =>
        {
            c.Response.ContentType = "application/x-ndjson";
            await c.Response.WriteAsync("{\"message\":{\"content\":\"a\"},\"done\":false}\n{\"message\":{\"content\":\"\"},\"done\":true,\"eval_count\":1}\n");
        };
        await using var router = await RunningRouter.StartAsync("backends:\n" + RunningRouter.Backend("a", upstream.Address));
        using var ok = await router.Http.PostAsync(new Uri("/api/chat", UriKind.Relative), Body("""{"model":"m","messages":[]}"""));
        Assert.Equal("application/x-ndjson", ok.Content.Headers.ContentType!.MediaType);
        Assert.Equal(2, (await ok.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("/api/chat", upstream.Requests.Single().Path);

        using var bad = await router.Http.PostAsync(new Uri("/api/generate", UriKind.Relative), Body("""{"model":"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((string?)JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["error"]);
    }

    [Fact]
    public async Task Bad_input_gets_openai_errors_400_404_413()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        await using var router = await RunningRouter.StartAsync("max_body_bytes: 2048\nbackends:\n" + RunningRouter.Backend("a", upstream.Address));

        async Task<(HttpStatusCode Status, JsonNode Error, string Backend)> Post(HttpContent content)
        {
            using var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), content);
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            return (response.StatusCode, json["error"]!, response.Headers.GetValues("x-hearth-backend").Single());
        }

        var malformed = await Post(Body("""{"model":"m","messages":[}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request_error", "router"), (malformed.Status, (string?)malformed.Error["type"], malformed.Backend));
        var wrongType = await Post(Body("""{"model":"m","stream":"yes","messages":[]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "stream"), (wrongType.Status, (string?)wrongType.Error["param"]));
        var unknown = await Post(Body("""{"model":"nope","messages":[]}"""));
        Assert.Equal((HttpStatusCode.NotFound, "model_not_found"), (unknown.Status, (string?)unknown.Error["code"]));
        var big = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 4000) + "\"}]}";
        var declared = await Post(Body(big));
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "request_too_large"), (declared.Status, (string?)declared.Error["code"]));
        var streamed = await Post(new ChunkedContent(Encoding.UTF8.GetBytes(big)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.Status);
        Assert.Empty(upstream.Requests);
        var metrics = await router.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.DoesNotContain("nope", metrics, StringComparison.Ordinal); // client-chosen names never become label values
        Assert.Contains("model=\"unknown\",backend=\"router\",status=\"404\"", metrics, StringComparison.Ordinal);

        // The router keeps serving after all of that.
        using var fine = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), Body("""{"model":"m","messages":[]}"""));
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task Models_tags_health_and_metrics_describe_the_healthy_backends()
    {
        await using var a = await ScriptedUpstream.StartAsync();
        await using var b = await ScriptedUpstream.StartAsync();
        a.Models = ["alpha", "shared"];
        b.Models = ["beta", "shared"];
        b.Healthy = false;
        await using var router = await RunningRouter.StartAsync($"""
            backends:
              - {"{"}name: a, url: "{a.Address}"{"}"}
              - {"{"}name: b, url: "{b.Address}", models: [beta, shared]{"}"}
            """);
        var models = JsonNode.Parse(await router.Http.GetStringAsync(new Uri("/v1/models", UriKind.Relative)))!["data"]!.AsArray().Select(m => (string?)m!["id"]).ToList();
        Assert.Equal(["alpha", "shared"], models); // discovered from a; b is down, so "beta" is not offered
        var tags = JsonNode.Parse(await router.Http.GetStringAsync(new Uri("/api/tags", UriKind.Relative)))!["models"]!.AsArray().Select(m => (string?)m!["name"]).ToList();
        Assert.Equal(["alpha", "shared"], tags);
        using var health = await router.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var chat = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), Body("""{"model":"shared","messages":[]}"""));
        Assert.Equal("a", chat.Headers.GetValues("x-hearth-backend").Single());
        var metrics = await router.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("hearth_router_requests_total{route=\"/v1/chat/completions\",model=\"shared\",backend=\"a\",status=\"200\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("hearth_router_backend_healthy{backend=\"b\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("hearth_router_in_flight{backend=\"a\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("hearth_router_added_latency_seconds_bucket{le=\"0.001\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("hearth_router_time_to_first_byte_seconds_count{backend=\"a\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registry_aliases_and_backends_apply_at_run_time_without_a_restart()
    {
        await using var a = await ScriptedUpstream.StartAsync();
        await using var b = await ScriptedUpstream.StartAsync();
        var registry = new TestRegistry(new RegistrySnapshot(
            new Dictionary<string, IReadOnlyList<AliasTarget>> { ["public-name"] = [new AliasTarget("a", "m")] }, []));
        await using var router = await RunningRouter.StartAsync("backends:\n" + RunningRouter.Backend("a", a.Address),
            services => services.AddSingleton<IRouterRegistry>(registry));
        var json = """{"model":"public-name","messages":[{"role":"user","content":"x"}]}""";
        using (var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), Body(json)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Only the model's JSON string changed; every other byte is as the client sent it.
        Assert.Equal("""{"model":"m","messages":[{"role":"user","content":"x"}]}""", a.Requests.Single().Text);

        registry.Publish(new RegistrySnapshot(
            new Dictionary<string, IReadOnlyList<AliasTarget>> { ["new-model"] = [new AliasTarget("b-dyn", "served-by-b")] },
            [new RegisteredBackend("b-dyn", b.Address, "openai", ["served-by-b"], null, "local", 1, 8)]));
        using var moved = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), Body("""{"model":"new-model","messages":[]}"""));
        Assert.Equal("b-dyn", moved.Headers.GetValues("x-hearth-backend").Single());
        Assert.Contains("\"model\":\"served-by-b\"", b.Requests.Single().Text, StringComparison.Ordinal);
        using var gone = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), Body(json));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode); // the alias was removed
    }

    /// <summary>A body sent with Transfer-Encoding: chunked (no Content-Length), to test the limit while reading.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
