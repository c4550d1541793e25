using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;

namespace Hearth.Server.Tests.Http;

/// <summary>/health, /metrics, /openapi, API keys and CORS.</summary>
public sealed class OperationsTests
{
    private static readonly string TinyModel = SharedData.Model("llama-2-tiny-random.gguf");

    [Fact]
    public async Task Health_is_ok_and_json()
    {
        await using var server = await TestServer.StartAsync(o => o.Models.Add(TinyModel), new ScriptedModel());
        using var response = await server.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]);
    }

    [Fact]
    public async Task Health_is_503_while_a_model_loads()
    {
        using var release = new ManualResetEventSlim(false);
        var loader = new BlockingLoader(new ScriptedModel(), release);
        await using var server = await TestServer.StartAsync(o => o.Models.Add(TinyModel), loader);
        var generation = server.Http.PostAsync(new Uri("/api/generate", UriKind.Relative),
            new StringContent("""{"model":"llama-2-tiny-random"}""", Encoding.UTF8, "application/json"));
        loader.Started.Wait(TimeSpan.FromSeconds(30));
        using (var loading = await server.Http.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
            Assert.Equal("loading", (string?)JsonNode.Parse(await loading.Content.ReadAsStringAsync())!["status"]);
        }

        release.Set();
        using (await generation)
        {
        }

        using var ok = await server.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_request_and_token_counters()
    {
        await using var server = await TestServer.StartAsync(o => o.Models.Add(TinyModel), new ScriptedModel(), greedy: true);
        using (var r = await server.Http.PostAsync(new Uri("/v1/completions", UriKind.Relative),
            new StringContent("""{"model":"llama-2-tiny-random","prompt":"abc","max_tokens":7}""", Encoding.UTF8, "application/json")))
        {
            r.EnsureSuccessStatusCode();
        }

        using var response = await server.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE hearth_requests_total counter", text, StringComparison.Ordinal);
        Assert.Contains("hearth_requests_total{route=\"/v1/completions\",status=\"200\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("hearth_generated_tokens_total 7", text, StringComparison.Ordinal);
        Assert.Contains("hearth_prompt_tokens_total 4", text, StringComparison.Ordinal);
        Assert.Contains("hearth_time_to_first_token_seconds_count 1", text, StringComparison.Ordinal);
        Assert.Contains("hearth_time_to_first_token_seconds_bucket{le=\"+Inf\"} 1", text, StringComparison.Ordinal);
        // Step phases use their own buckets (sub-millisecond first), not the latency ones; 7 tokens take 7 steps.
        Assert.Contains("hearth_step_duration_seconds_bucket{phase=\"forward\",le=\"0.0005\"}", text, StringComparison.Ordinal);
        Assert.Contains("hearth_step_duration_seconds_count{phase=\"forward\"} 7", text, StringComparison.Ordinal);
        Assert.Contains("hearth_step_duration_seconds_count{phase=\"sampling\"} 7", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hearth_time_to_first_token_seconds_bucket{le=\"0.0005\"}", text, StringComparison.Ordinal);
        Assert.Contains("hearth_queue_depth 0", text, StringComparison.Ordinal);
        Assert.Contains("hearth_active_slots 0", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE hearth_generation_tokens_per_second gauge", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_document_lists_both_apis()
    {
        await using var server = await TestServer.StartAsync();
        var doc = JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        var paths = doc["paths"]!.AsObject();
        foreach (var path in new[] { "/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/embeddings", "/api/generate", "/api/chat", "/api/tags", "/api/pull", "/health" })
        {
            Assert.True(paths.ContainsKey(path), path + " missing from the OpenAPI document");
        }

        var schemas = doc["components"]!["schemas"]!.AsObject();
        Assert.True(schemas["ChatCompletionRequest"]!["properties"]!.AsObject().ContainsKey("max_completion_tokens"));
    }

    [Fact]
    public async Task Api_key_is_required_on_api_routes_only()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Models.Add(TinyModel);
            o.ApiKey = "s3cret";
        }, new ScriptedModel());
        using (var missing = await server.Http.GetAsync(new Uri("/v1/models", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal("invalid_api_key", (string?)JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!["code"]);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/tags", UriKind.Relative)))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cre");
            using var response = await server.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.NotNull((string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
        }

        using (var right = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/models", UriKind.Relative)))
        {
            right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
            using var response = await server.Http.SendAsync(right);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var health = await server.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var page = await server.Http.GetAsync(new Uri("/chat", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Cors_is_off_unless_an_origin_is_given()
    {
        await using (var closed = await TestServer.StartAsync())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/models", UriKind.Relative));
            request.Headers.Add("Origin", "http://example.test");
            using var response = await closed.Http.SendAsync(request);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }

        await using var open = await TestServer.StartAsync(o => o.CorsOrigins.Add("http://example.test"));
        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri("/v1/chat/completions", UriKind.Relative));
        preflight.Headers.Add("Origin", "http://example.test");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using var allowed = await open.Http.SendAsync(preflight);
        Assert.Equal("http://example.test", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Full_queue_answers_503_with_retry_after()
    {
        var model = new ScriptedModel(contextLength: 100_000) { Gate = new SemaphoreSlim(0) };
        await using var server = await TestServer.StartAsync(o =>
        {
            o.Models.Add(TinyModel);
            o.Parallel = 1;
            o.QueueCapacity = 1;
        }, model, greedy: true);
        var body = """{"model":"llama-2-tiny-random","prompt":"a","max_tokens":3}""";
        Task<HttpResponseMessage> Post() => server.Http.PostAsync(new Uri("/v1/completions", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var first = Post();
        while (model.ForwardCalls == 0)
        {
            await Task.Delay(5); // wait until the first request holds the only slot
        }

        // The slot is taken and the queue holds one: of two more requests, one waits and the other is refused at once.
        var second = Post();
        var third = Post();
        var done = await Task.WhenAny(second, third);
        using var refused = await done;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("2", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal("server_overloaded", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["code"]);
        model.Gate.Release(1000);
        using var a = await first;
        using var b = await (done == second ? third : second);
        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
    }

    private sealed class BlockingLoader(ScriptedModel model, ManualResetEventSlim release) : Hearth.Server.Inference.IInferenceModelLoader
    {
        public ManualResetEventSlim Started { get; } = new(false);

        public Hearth.Server.Inference.IInferenceModel Load(string path, Hearth.Server.Inference.ModelLoadSettings settings)
        {
            Started.Set();
            release.Wait();
            return model;
        }
    }
}
