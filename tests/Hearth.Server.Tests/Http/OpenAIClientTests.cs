using System.ClientModel;
using Hearth.Server.Tests.Support;
using Hearth.Testing;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;

#pragma warning disable OPENAI001 // Seed is "for evaluation"; the server supports it

namespace Hearth.Server.Tests.Http;

/// <summary>The official OpenAI .NET SDK and Microsoft.Extensions.AI against a real server on 127.0.0.1.</summary>
public sealed class OpenAIClientTests : IAsyncLifetime
{
    private const string ModelName = "llama-2-tiny-random";
    private TestServer server = null!;
    private OpenAIClient client = null!;

    public async Task InitializeAsync()
    {
        server = await TestServer.StartAsync(o => o.Models.Add(SharedData.Model("llama-2-tiny-random.gguf")), ServerModels.Loader());
        client = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "/v1") });
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Chat_completion_returns_text_usage_and_finish_reason()
    {
        var chat = client.GetChatClient(ModelName);
        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("Hello there")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0.5f, Seed = 42 });
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(8, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 3);
        Assert.Equal(completion.Usage.InputTokenCount + 8, completion.Usage.TotalTokenCount);
        Assert.Equal(ModelName, completion.Model);
    }

    [Fact]
    public async Task Json_mode_gives_a_json_object_and_a_schema_a_valid_instance()
    {
        var chat = client.GetChatClient(ModelName);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 48, Temperature = 0.8f, Seed = 3, ResponseFormat = global::OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat() };
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Describe the sea as JSON")], options);
        var text = completion.Content[0].Text;

        // The random-weight model writes junk, but constrained junk: an object's opening, and a whole object if it ends.
        Assert.StartsWith("{", text.TrimStart(), StringComparison.Ordinal);
        if (completion.FinishReason == ChatFinishReason.Stop)
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            Assert.Equal(System.Text.Json.JsonValueKind.Object, document.RootElement.ValueKind);
        }

        ChatCompletion plain = await chat.CompleteChatAsync([new UserChatMessage("Describe the sea as JSON")], new ChatCompletionOptions { MaxOutputTokenCount = 48, Temperature = 0.8f, Seed = 3 });
        Assert.False(plain.Content[0].Text.TrimStart().StartsWith('{'));

        // Structured output: the schema admits one key with a boolean, so even this model must write exactly that.
        var schema = new ChatCompletionOptions
        {
            MaxOutputTokenCount = 200,
            Temperature = 0.8f,
            Seed = 3,
            ResponseFormat = global::OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat(
                "verdict", BinaryData.FromString("""{"type":"object","properties":{"answer":{"type":"boolean"}},"required":["answer"],"additionalProperties":false}"""), jsonSchemaIsStrict: true),
        };
        ChatCompletion structured = await chat.CompleteChatAsync([new UserChatMessage("Is the sea wet?")], schema);
        Assert.Equal(ChatFinishReason.Stop, structured.FinishReason);
        using (var verdict = System.Text.Json.JsonDocument.Parse(structured.Content[0].Text))
        {
            Assert.Equal("answer", Assert.Single(verdict.RootElement.EnumerateObject()).Name);
            Assert.True(verdict.RootElement.GetProperty("answer").ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
        }

        var unusable = new ChatCompletionOptions
        {
            ResponseFormat = global::OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("bad", BinaryData.FromString("""{"type":"color"}""")),
        };
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("x")], unusable));
        Assert.Equal(400, refused.Status);
        Assert.Contains("unsupported type 'color'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_seed_gives_the_same_answer()
    {
        var chat = client.GetChatClient(ModelName);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12, Temperature = 1f, Seed = 7 };
        ChatCompletion a = await chat.CompleteChatAsync([new UserChatMessage("Tell me a story")], options);
        ChatCompletion b = await chat.CompleteChatAsync([new UserChatMessage("Tell me a story")], options);
        Assert.Equal(a.Content[0].Text, b.Content[0].Text);
    }

    [Fact]
    public async Task Streaming_chat_delivers_deltas_and_usage()
    {
        var chat = client.GetChatClient(ModelName);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 10, Temperature = 0.7f };
        var text = new System.Text.StringBuilder();
        var updates = 0;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi")], options))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            if (update.FinishReason is { } f)
            {
                finish = f;
            }
        }

        Assert.True(updates >= 3, $"{updates} updates");
        Assert.Equal(ChatFinishReason.Length, finish);
    }

    [Fact]
    public async Task Logprobs_are_reported_per_token()
    {
        var chat = client.GetChatClient(ModelName);
        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("Hi")],
            new ChatCompletionOptions { MaxOutputTokenCount = 4, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 });
        Assert.Equal(4, completion.ContentTokenLogProbabilities.Count);
        foreach (var token in completion.ContentTokenLogProbabilities)
        {
            Assert.True(token.LogProbability <= 0);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            Assert.True(token.TopLogProbabilities[0].LogProbability >= token.TopLogProbabilities[2].LogProbability);
        }
    }

    [Fact]
    public async Task Models_are_listed()
    {
        var models = await client.GetOpenAIModelClient().GetModelsAsync();
        Assert.Contains(models.Value, m => m.Id == ModelName);
    }

    [Fact]
    public async Task Embeddings_are_unit_vectors()
    {
        var embeddings = client.GetEmbeddingClient(ModelName);
        OpenAIEmbeddingCollection result = await embeddings.GenerateEmbeddingsAsync(["first text", "second text"]);
        Assert.Equal(2, result.Count);
        foreach (var e in result)
        {
            var v = e.ToFloats().ToArray();
            Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 3);
        }
    }

    [Fact]
    public async Task Legacy_completion_honours_max_tokens()
    {
        using var response = await server.Http.PostAsync(
            new Uri("/v1/completions", UriKind.Relative),
            new StringContent("""{"model":"llama-2-tiny-random","prompt":"Once upon a time","max_tokens":5,"logprobs":2}""", System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("text_completion", (string?)json["object"]);
        Assert.Equal(5, (int)json["usage"]!["completion_tokens"]!);
        Assert.Equal(5, json["choices"]![0]!["logprobs"]!["tokens"]!.AsArray().Count);
    }

    [Fact]
    public async Task Microsoft_Extensions_AI_chat_client_works()
    {
        IChatClient chat = client.GetChatClient(ModelName).AsIChatClient();
        var response = await chat.GetResponseAsync("Hello", new ChatOptions { MaxOutputTokens = 6 });
        Assert.Equal(6, response.Usage?.OutputTokenCount);
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.Length, response.FinishReason);

        var streamed = 0;
        await foreach (var update in chat.GetStreamingResponseAsync("Hello again", new ChatOptions { MaxOutputTokens = 6 }))
        {
            streamed += update.Text.Length > 0 ? 1 : 0;
        }

        Assert.True(streamed >= 1);
    }
}
