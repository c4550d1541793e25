using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;

namespace Hearth.Server.Tests.Http;

/// <summary>
/// <c>--chat-template NAME=FILE</c>: one model gets the template its pack spec names, the others keep their own, and
/// the prompt it renders follows it (DeepSeek R1's template ends the prompt with a think tag, so everything is reasoning).
/// </summary>
public sealed class ModelChatTemplateTests : IAsyncLifetime
{
    private const string Templated = "qwen2-bpe-q8_0";
    private const string Plain = "llama-spm-q8_0";
    private string template = null!;
    private TestServer server = null!;

    public async Task InitializeAsync()
    {
        template = await File.ReadAllTextAsync(SharedData.Path("chat-templates", "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja"));
        server = await TestServer.StartAsync(
            o =>
            {
                o.Models.Add(SharedData.ReferenceModel(Templated + ".gguf"));
                o.Models.Add(SharedData.ReferenceModel(Plain + ".gguf"));
                o.ModelChatTemplates[Templated] = template;
            },
            ServerModels.Loader());
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Only_the_named_model_uses_the_given_template()
    {
        Assert.Equal(template, (string?)(await Post("/api/show", $$"""{"model": "{{Templated}}"}"""))["template"]);
        Assert.NotEqual(template, (string?)(await Post("/api/show", $$"""{"model": "{{Plain}}"}"""))["template"]);

        var answer = (await Post("/v1/chat/completions",
            $$"""{"model": "{{Templated}}", "messages": [{"role": "user", "content": "Why?"}], "max_tokens": 6, "seed": 4}"""))["choices"]![0]!["message"]!;
        Assert.False(string.IsNullOrWhiteSpace((string?)answer["reasoning_content"]));
    }

    [Fact]
    public void A_template_that_does_not_parse_names_its_model()
    {
        var options = new ServerOptions();
        options.ModelChatTemplates["broken"] = "{% if %}";
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("--chat-template: broken: ", e.Message, StringComparison.Ordinal);
    }

    private async Task<JsonNode> Post(string path, string body)
    {
        using var response = await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }
}
