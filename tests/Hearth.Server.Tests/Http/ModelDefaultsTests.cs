using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;

namespace Hearth.Server.Tests.Http;

/// <summary>
/// Per-model defaults on a real server with the shared tiny model: one server gives the model
/// {temperature: 0, max_tokens: 6, ctx: 64}, another serves it plainly. The first answers every seed with the
/// greedy text (what the second gives only when asked for temperature 0), a request's temperature overrides the
/// default, and the default ctx sizes the model's context.
/// </summary>
public sealed class ModelDefaultsTests : IAsyncLifetime
{
    private const string Name = "llama-2-tiny-random";
    private const string Chat = """{"messages": [{"role": "user", "content": "Tell me about the sea"}]""";
    private TestServer withDefaults = null!;
    private TestServer plain = null!;

    public async Task InitializeAsync()
    {
        var model = SharedData.Model(Name + ".gguf");
        withDefaults = await TestServer.StartAsync(
            o =>
            {
                o.Models.Add(model);
                o.ModelDefaults[Name] = ModelDefaults.Parse("""{"temperature": 0, "max_tokens": 6, "ctx": 64}""", "test");
            },
            ServerModels.Loader());
        plain = await TestServer.StartAsync(o => o.Models.Add(model), ServerModels.Loader());
    }

    public async Task DisposeAsync()
    {
        await withDefaults.DisposeAsync();
        await plain.DisposeAsync();
    }

    [Fact]
    public async Task A_default_temperature_of_zero_gives_the_greedy_answer_for_any_seed()
    {
        var greedy = await Post(plain, "/v1/chat/completions", Chat + """, "temperature": 0, "max_tokens": 6}""");
        var greedyText = Text(greedy);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var answer = await Post(withDefaults, "/v1/chat/completions", Chat + $$""", "seed": {{seed}}}""");
            Assert.Equal(greedyText, Text(answer));
            Assert.Equal((int)greedy["usage"]!["completion_tokens"]!, (int)answer["usage"]!["completion_tokens"]!); // max_tokens 6 by default
        }

        // Without the default, sampling at OpenAI's temperature 1 leaves the greedy path for these seeds.
        var sampled = new List<string>();
        foreach (var seed in new[] { 1, 2, 3 })
        {
            sampled.Add(Text(await Post(plain, "/v1/chat/completions", Chat + $$""", "seed": {{seed}}, "max_tokens": 6}""")));
        }

        Assert.Contains(sampled, s => s != greedyText);

        // Ollama's API takes the same default: no options = greedy, as the plain server with temperature 0.
        const string generate = """{"model": "llama-2-tiny-random", "prompt": "The sea is", "raw": true, "stream": false""";
        var ollamaGreedy = (string?)(await Post(plain, "/api/generate", generate + """, "options": {"temperature": 0, "num_predict": 6}}"""))["response"];
        Assert.Equal(ollamaGreedy, (string?)(await Post(withDefaults, "/api/generate", generate + """, "options": {"seed": 5}}"""))["response"]);
    }

    [Fact]
    public async Task A_request_temperature_overrides_the_default()
    {
        foreach (var seed in new[] { 1, 2 })
        {
            var overridden = await Post(withDefaults, "/v1/chat/completions", Chat + $$""", "seed": {{seed}}, "temperature": 1}""");
            var reference = await Post(plain, "/v1/chat/completions", Chat + $$""", "seed": {{seed}}, "temperature": 1, "max_tokens": 6}""");
            Assert.Equal(Text(reference), Text(overridden));
        }
    }

    [Fact]
    public async Task The_default_ctx_sizes_the_models_context()
    {
        var longPrompt = string.Join(' ', Enumerable.Repeat("waves", 100));
        var body = $$"""{"model": "{{Name}}", "prompt": "{{longPrompt}}", "max_tokens": 2}""";
        using var refused = await withDefaults.Http.PostAsync(new Uri("/v1/completions", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("maximum context length is 64 tokens", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Post(plain, "/v1/completions", body);
    }

    private static string Text(JsonNode response) => (string?)response["choices"]![0]!["message"]!["content"] ?? "";

    private static async Task<JsonNode> Post(TestServer server, string path, string body)
    {
        using var response = await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }
}
