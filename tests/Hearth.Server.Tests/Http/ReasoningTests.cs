using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;

namespace Hearth.Server.Tests.Http;

/// <summary>
/// A think block split from the answer. DeepSeek R1's template ends the prompt with <c>&lt;think&gt;\n</c>, so
/// everything the random-weight model writes (cut by max_tokens) is reasoning: <c>reasoning_content</c> / Ollama's
/// <c>thinking</c>, unless asked to keep it inline (<c>reasoning_format: none</c>, Ollama <c>think: false</c>).
/// </summary>
public sealed class ReasoningTests : IAsyncLifetime
{
    private const string ModelName = "qwen2-bpe-q8_0";
    private TestServer server = null!;

    public async Task InitializeAsync()
    {
        var template = await File.ReadAllTextAsync(SharedData.Path("chat-templates", "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja"));
        server = await TestServer.StartAsync(
            o =>
            {
                o.Models.Add(SharedData.ReferenceModel(ModelName + ".gguf"));
                o.ChatTemplate = template;
            },
            ServerModels.Loader());
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task OpenAI_splits_reasoning_unless_the_format_is_none()
    {
        var body = $$$"""{"model": "{{{ModelName}}}", "messages": [{"role": "user", "content": "Why?"}], "max_tokens": 8, "seed": 4}""";
        var split = (await Post("/v1/chat/completions", body))["choices"]![0]!["message"]!;
        var reasoning = (string?)split["reasoning_content"];
        Assert.False(string.IsNullOrWhiteSpace(reasoning));
        Assert.Equal(string.Empty, (string?)split["content"]);

        var inline = (await Post("/v1/chat/completions", body.Replace("\"seed\": 4", "\"seed\": 4, \"reasoning_format\": \"none\"", StringComparison.Ordinal)))["choices"]![0]!["message"]!;
        Assert.Null(inline["reasoning_content"]);
        Assert.Equal(reasoning, ((string?)inline["content"])!.Trim());

        // Streamed: reasoning deltas, no content.
        using var response = await server.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
            new StringContent(body.Replace("\"seed\": 4", "\"seed\": 4, \"stream\": true", StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        var events = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!).ToList();
        var deltas = events.Where(e => e["choices"]!.AsArray().Count > 0).Select(e => e["choices"]![0]!["delta"]!).ToList();
        Assert.Equal(reasoning, string.Concat(deltas.Select(d => (string?)d["reasoning_content"])));
        Assert.Equal(string.Empty, string.Concat(deltas.Select(d => (string?)d["content"])));
    }

    [Fact]
    public async Task Ollama_puts_it_in_thinking_unless_think_is_false()
    {
        var body = $$$"""{"model": "{{{ModelName}}}", "stream": false, "messages": [{"role": "user", "content": "Why?"}], "options": {"num_predict": 8, "seed": 4}}""";
        var message = (await Post("/api/chat", body))["message"]!;
        Assert.False(string.IsNullOrWhiteSpace((string?)message["thinking"]));
        Assert.Equal(string.Empty, (string?)message["content"]);

        var inline = (await Post("/api/chat", body.Replace("\"stream\": false", "\"stream\": false, \"think\": false", StringComparison.Ordinal)))["message"]!;
        Assert.Null(inline["thinking"]);
        Assert.Equal((string?)message["thinking"], ((string?)inline["content"])!.Trim());
    }

    private async Task<JsonNode> Post(string path, string body)
    {
        using var response = await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }
}
