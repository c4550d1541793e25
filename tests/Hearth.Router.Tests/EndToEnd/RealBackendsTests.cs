using System.ClientModel;
using System.Net;
using System.Text;
using Hearth.Router.Tests.Support;
using OllamaSharp;
using OpenAI;
using OpenAI.Chat;

namespace Hearth.Router.Tests.EndToEnd;

/// <summary>Two real <c>hearth serve</c> processes with the router in front; clients are the OpenAI .NET SDK and OllamaSharp.</summary>
public sealed class RealBackendsTests : IAsyncLifetime
{
    private HearthProcess a = null!;
    private HearthProcess b = null!;

    public async Task InitializeAsync()
    {
        var both = await Task.WhenAll(HearthProcess.ServeAsync("--parallel", "1"), HearthProcess.ServeAsync("--parallel", "1"));
        (a, b) = (both[0], both[1]);
    }

    public async Task DisposeAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
    }

    private string Config(string strategy = "round-robin") => $$$"""
        routing: {strategy: {{{strategy}}}}
        backends:
          - {name: node-a, url: "{{{a.Address}}}", health: {period: 1s, timeout: 5s}, timeouts: {connect: 1s}}
          - {name: node-b, url: "{{{b.Address}}}", models: [llama-2-tiny-random], health: {period: 1s, timeout: 5s}, timeouts: {connect: 1s}}
        """;

    private static ChatClient Sdk(Uri router) =>
        new("llama-2-tiny-random", new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = new Uri(router, "/v1") });

    [Fact]
    public async Task The_openai_sdk_gets_answers_and_streams_from_both_backends_and_failover_loses_nothing()
    {
        await using var router = await RunningRouter.StartAsync(Config());
        await router.WaitForModelAsync("llama-2-tiny-random");
        await router.WaitForHealthyAsync(2); // a busy machine can fail a first health check; wait for both engines
        var sdk = Sdk(router.Address);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 4, Temperature = 0 };
        ChatCompletion whole = await sdk.CompleteChatAsync([new UserChatMessage("Hello")], options);
        Assert.False(string.IsNullOrEmpty(whole.Content[0].Text));
        Assert.True(whole.Usage.OutputTokenCount > 0);

        var chunks = 0;
        var text = new StringBuilder();
        await foreach (var update in sdk.CompleteChatStreamingAsync([new UserChatMessage("Hello")], options))
        {
            chunks++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.True(chunks >= 2);
        Assert.NotEqual(0, text.Length);

        // Round-robin: both engines answer.
        var backends = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
                new StringContent("""{"model":"llama-2-tiny-random","max_tokens":2,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            backends.Add(response.Headers.GetValues("x-hearth-backend").Single());
        }

        Assert.Equal(["node-a", "node-b"], backends.Order());

        // Kill one engine while requests are queued on both (--parallel 1): none of them had a first byte yet
        // (non-streamed answers come whole), so every one must still succeed, on the survivor.
        var requests = Enumerable.Range(0, 12).Select(_ => sdk.CompleteChatAsync([new UserChatMessage("Tell me a story")],
            new ChatCompletionOptions { MaxOutputTokenCount = 48 })).ToList();
        await Task.Delay(50);
        a.Kill();
        var results = await Task.WhenAll(requests);
        Assert.All(results, r => Assert.NotNull(r.Value.Content));
        ChatCompletion after = await sdk.CompleteChatAsync([new UserChatMessage("Still there?")], options);
        Assert.NotNull(after.Content);
    }

    [Fact]
    public async Task An_ollama_client_chats_and_lists_models_through_the_router()
    {
        await using var router = await RunningRouter.StartAsync(Config("least-busy"));
        await router.WaitForModelAsync("llama-2-tiny-random");
        using var http = new HttpClient { BaseAddress = router.Address };
        var ollama = new OllamaApiClient(http, "llama-2-tiny-random");
        var models = await ollama.ListLocalModelsAsync();
        Assert.Contains(models, m => m.Name == "llama-2-tiny-random");
        var reply = new StringBuilder();
        await foreach (var part in ollama.ChatAsync(new OllamaSharp.Models.Chat.ChatRequest
        {
            Model = "llama-2-tiny-random",
            Messages = [new OllamaSharp.Models.Chat.Message(OllamaSharp.Models.Chat.ChatRole.User, "Hi")],
            Options = new OllamaSharp.Models.RequestOptions { NumPredict = 4 },
        }))
        {
            reply.Append(part?.Message.Content);
        }

        Assert.NotEqual(0, reply.Length);
    }
}
