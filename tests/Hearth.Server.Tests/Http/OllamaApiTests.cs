using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;

namespace Hearth.Server.Tests.Http;

/// <summary>The Ollama routes over raw HTTP: field names, NDJSON streaming, options, keep_alive.</summary>
public sealed class OllamaApiTests : IAsyncLifetime
{
    private const string ModelName = "llama-2-tiny-random";
    private TestServer server = null!;

    public async Task InitializeAsync() =>
        server = await TestServer.StartAsync(o => o.Models.Add(SharedData.Model("llama-2-tiny-random.gguf")), ServerModels.Loader());

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<HttpResponseMessage> PostAsync(string path, string json) =>
        await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<List<JsonObject>> LinesAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
    }

    [Fact]
    public async Task Generate_streams_ndjson_ending_in_a_done_object()
    {
        using var response = await PostAsync("/api/generate", """{"model":"llama-2-tiny-random","prompt":"Why is the sky blue?","options":{"num_predict":6,"temperature":0.5,"seed":3}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = await LinesAsync(response);
        Assert.All(lines[..^1], l => Assert.False((bool)l["done"]!));
        Assert.All(lines[..^1], l => Assert.Equal(ModelName, (string?)l["model"]));
        var last = lines[^1];
        Assert.True((bool)last["done"]!);
        Assert.Equal("length", (string?)last["done_reason"]);
        Assert.Equal(6, (int)last["eval_count"]!);
        Assert.True((int)last["prompt_eval_count"]! > 0);
        Assert.True((long)last["total_duration"]! > 0);
        Assert.Equal((int)last["prompt_eval_count"]! + 6, last["context"]!.AsArray().Count);
        Assert.True(DateTimeOffset.TryParse((string?)last["created_at"], System.Globalization.CultureInfo.InvariantCulture, out _));
    }

    [Fact]
    public async Task Generate_without_streaming_returns_one_object()
    {
        using var response = await PostAsync("/api/generate", """{"model":"llama-2-tiny-random","prompt":"Hi","stream":false,"raw":true,"options":{"num_predict":4}}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True((bool)body["done"]!);
        Assert.Equal(4, (int)body["eval_count"]!);
        Assert.False(string.IsNullOrEmpty((string?)body["response"]));
    }

    [Fact]
    public async Task Chat_streams_messages_and_counts_tokens()
    {
        using var response = await PostAsync("/api/chat", """{"model":"llama-2-tiny-random","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello"}],"options":{"num_predict":5}}""");
        var lines = await LinesAsync(response);
        Assert.All(lines[..^1], l => Assert.Equal("assistant", (string?)l["message"]!["role"]));
        Assert.Equal(5, (int)lines[^1]["eval_count"]!);
        Assert.True((bool)lines[^1]["done"]!);
    }

    [Fact]
    public async Task Chat_rejects_wrong_option_types_with_ollamas_error_shape()
    {
        using var response = await PostAsync("/api/chat", """{"model":"llama-2-tiny-random","messages":[{"role":"user","content":"x"}],"options":{"temperature":"warm"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("options.temperature", (string?)body["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tags_ps_show_and_version_describe_the_models()
    {
        var tags = JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/api/tags", UriKind.Relative)))!;
        var model = tags["models"]!.AsArray().Single()!;
        Assert.Equal(ModelName, (string?)model["name"]);
        Assert.True((long)model["size"]! > 0);
        Assert.Equal("gguf", (string?)model["details"]!["format"]);

        using var show = await PostAsync("/api/show", """{"model":"llama-2-tiny-random"}""");
        var shown = JsonNode.Parse(await show.Content.ReadAsStringAsync())!;
        Assert.False(string.IsNullOrEmpty((string?)shown["details"]!["family"]));
        Assert.NotNull(shown["model_info"]!["general.architecture"]);

        var ps = JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/api/ps", UriKind.Relative)))!;
        Assert.Equal(ModelName, (string?)ps["models"]![0]!["name"]);
        Assert.True(DateTimeOffset.Parse((string)ps["models"]![0]!["expires_at"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);

        var version = JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/api/version", UriKind.Relative)))!;
        Assert.Matches(@"^\d+\.\d+\.\d+$", (string?)version["version"]);
    }

    [Fact]
    public async Task Embed_returns_one_unit_vector_per_input()
    {
        using var response = await PostAsync("/api/embed", """{"model":"llama-2-tiny-random","input":["a","b c"]}""");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var vectors = body["embeddings"]!.AsArray();
        Assert.Equal(2, vectors.Count);
        foreach (var v in vectors)
        {
            Assert.Equal(1.0, Math.Sqrt(v!.AsArray().Sum(x => (double)x! * (double)x!)), 3);
        }
    }

    [Fact]
    public async Task Format_json_and_a_format_schema_constrain_the_answer()
    {
        using var response = await PostAsync("/api/chat", """{"model":"llama-2-tiny-random","format":"json","stream":false,"messages":[{"role":"user","content":"Describe the sea"}],"options":{"num_predict":32,"seed":5}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var content = (string)body["message"]!["content"]!;
        Assert.StartsWith("{", content.TrimStart(), StringComparison.Ordinal);
        if ((string?)body["done_reason"] == "stop")
        {
            Assert.IsType<JsonObject>(JsonNode.Parse(content));
        }

        using var generated = await PostAsync("/api/generate", """{"model":"llama-2-tiny-random","format":"json","stream":false,"prompt":"Hi","options":{"num_predict":8}}""");
        Assert.StartsWith("{", ((string)JsonNode.Parse(await generated.Content.ReadAsStringAsync())!["response"]!).TrimStart(), StringComparison.Ordinal);

        using var schema = await PostAsync("/api/chat", """{"model":"llama-2-tiny-random","stream":false,"format":{"type":"object","properties":{"n":{"enum":[1,2,3]}},"required":["n"]},"messages":[{"role":"user","content":"x"}],"options":{"num_predict":200}}""");
        Assert.Equal(HttpStatusCode.OK, schema.StatusCode);
        var structured = JsonNode.Parse((string)JsonNode.Parse(await schema.Content.ReadAsStringAsync())!["message"]!["content"]!)!.AsObject();
        Assert.Contains((int)structured["n"]!, new[] { 1, 2, 3 });
        Assert.Single(structured);

        using var unusable = await PostAsync("/api/chat", """{"model":"llama-2-tiny-random","format":{"type":"object","properties":{"n":{"$ref":"#/nowhere"}}},"messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, unusable.StatusCode);
        Assert.Contains("points at nothing", (string?)JsonNode.Parse(await unusable.Content.ReadAsStringAsync())!["error"], StringComparison.Ordinal);
        using var other = await PostAsync("/api/generate", """{"model":"llama-2-tiny-random","format":"yaml","prompt":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
    }

    [Fact]
    public async Task Legacy_embeddings_return_the_embed_vector_and_an_empty_prompt_only_loads()
    {
        using var legacy = await PostAsync("/api/embeddings", """{"model":"llama-2-tiny-random","prompt":"b c"}""");
        Assert.Equal(HttpStatusCode.OK, legacy.StatusCode);
        var vector = JsonNode.Parse(await legacy.Content.ReadAsStringAsync())!["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
        using var current = await PostAsync("/api/embed", """{"model":"llama-2-tiny-random","input":"b c"}""");
        var expected = JsonNode.Parse(await current.Content.ReadAsStringAsync())!["embeddings"]![0]!.AsArray().Select(x => (float)x!).ToArray();
        Assert.True(vector.Length > 0);
        Assert.Equal(expected, vector);

        using var empty = await PostAsync("/api/embeddings", """{"model":"llama-2-tiny-random","prompt":""}""");
        Assert.Empty(JsonNode.Parse(await empty.Content.ReadAsStringAsync())!["embedding"]!.AsArray());

        using var unknown = await PostAsync("/api/embeddings", """{"model":"no-such-model","prompt":"x"}""");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.False(string.IsNullOrEmpty((string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]));
    }

    [Fact]
    public async Task Keep_alive_zero_with_empty_prompt_unloads_the_model()
    {
        using var load = await PostAsync("/api/generate", """{"model":"llama-2-tiny-random"}""");
        Assert.Equal("load", (string?)JsonNode.Parse(await load.Content.ReadAsStringAsync())!["done_reason"]);
        var ps = JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/api/ps", UriKind.Relative)))!;
        Assert.Single(ps["models"]!.AsArray());

        using var unload = await PostAsync("/api/generate", """{"model":"llama-2-tiny-random","keep_alive":0}""");
        Assert.Equal("unload", (string?)JsonNode.Parse(await unload.Content.ReadAsStringAsync())!["done_reason"]);
        ps = JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/api/ps", UriKind.Relative)))!;
        Assert.Empty(ps["models"]!.AsArray());
    }

    [Fact]
    public async Task Pull_without_a_store_is_a_clear_error()
    {
        using var response = await PostAsync("/api/pull", """{"model":"anything"}""");
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
    }
}
