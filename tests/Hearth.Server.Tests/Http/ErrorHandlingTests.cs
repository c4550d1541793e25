using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;

namespace Hearth.Server.Tests.Http;

/// <summary>Bad input gets OpenAI's (or Ollama's) error JSON with the right status, and the server keeps serving.</summary>
public sealed class ErrorHandlingTests : IAsyncLifetime
{
    private readonly ScriptedModel model = new(contextLength: 64);
    private TestServer server = null!;

    public async Task InitializeAsync() =>
        server = await TestServer.StartAsync(o =>
        {
            o.Models.Add(SharedData.Model("llama-2-tiny-random.gguf"));
            o.MaxRequestBodyBytes = 4096;
        }, model, greedy: true);

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonObject Error)> PostAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await server.Http.PostAsync(new Uri(path, UriKind.Relative), content);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        return (response.StatusCode, json);
    }

    private static JsonObject OpenAIError(JsonObject body)
    {
        var error = body["error"]!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.NotNull((string?)error["type"]);
        Assert.True(error.ContainsKey("param") && error.ContainsKey("code"));
        return error;
    }

    [Fact]
    public async Task Malformed_json_is_400_invalid_json()
    {
        var (status, body) = await PostAsync("/v1/chat/completions", "{\"model\": \"x\", \"messages\": [");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_json", (string?)OpenAIError(body)["code"]);
    }

    [Fact]
    public async Task Wrong_field_type_is_400_naming_the_field()
    {
        var (status, body) = await PostAsync("/v1/chat/completions",
            """{"model":"llama-2-tiny-random","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("temperature", (string?)OpenAIError(body)["param"]);
    }

    [Fact]
    public async Task Unknown_model_is_404_model_not_found()
    {
        var (status, body) = await PostAsync("/v1/chat/completions", """{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("model_not_found", (string?)OpenAIError(body)["code"]);
    }

    [Fact]
    public async Task Prompt_beyond_the_context_is_400_context_length_exceeded()
    {
        var (status, body) = await PostAsync("/v1/completions", """{"model":"llama-2-tiny-random","prompt":"%"}""".Replace("%", new string('a', 200), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("context_length_exceeded", (string?)OpenAIError(body)["code"]);
    }

    [Theory]
    [InlineData("max_tokens", 0)]
    [InlineData("max_tokens", -5)]
    [InlineData("max_completion_tokens", 0)]
    public async Task Non_positive_max_tokens_is_400(string field, int value)
    {
        var (status, body) = await PostAsync("/v1/chat/completions",
            $$"""{"model":"llama-2-tiny-random","messages":[{"role":"user","content":"hi"}],"{{field}}":{{value}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, (string?)OpenAIError(body)["param"]);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        var (status, body) = await PostAsync("/v1/chat/completions",
            $$"""{"model":"llama-2-tiny-random","messages":[{"role":"user","content":"{{new string('x', 10000)}}"}]}""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request_too_large", (string?)OpenAIError(body)["code"]);
    }

    [Fact]
    public async Task Ollama_routes_use_ollamas_error_shape()
    {
        var (status, body) = await PostAsync("/api/chat", """{"model":"missing","messages":[]}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("missing", (string?)body["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_requests_do_not_disturb_a_concurrent_good_request()
    {
        var good = server.Http.PostAsJsonAsync(new Uri("/v1/chat/completions", UriKind.Relative),
            new { model = "llama-2-tiny-random", messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 20 });
        var bad = Enumerable.Range(0, 8).Select(i => PostAsync("/v1/chat/completions", i % 2 == 0 ? "{nope" : """{"model":"x","messages":[]}""")).ToList();
        using var response = await good;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(20, (int)json["usage"]!["completion_tokens"]!);
        foreach (var b in await Task.WhenAll(bad))
        {
            Assert.True(b.Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound);
        }
    }
}
