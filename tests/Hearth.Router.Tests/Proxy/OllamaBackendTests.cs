using System.ClientModel;
using System.Text.Json.Nodes;
using Hearth.Router.Tests.Support;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;

namespace Hearth.Router.Tests.Proxy;

/// <summary>An OpenAI SDK client talking to a <c>type: ollama</c> backend through the router: requests go to /api/chat,
/// NDJSON comes back as OpenAI chat chunks with usage, tool calls included.</summary>
public sealed class OllamaBackendTests
{
    private static async Task<(ScriptedUpstream, RunningRouter)> Start()
    {
        var ollama = await ScriptedUpstream.StartAsync();
        ollama.Models = ["llama3:8b"];
        ollama.Handler = async (c, r) =>
        {
            var request = JsonNode.Parse(r.Body)!;
            var stream = (bool?)request["stream"] ?? true;
            var tool = request["tools"] is not null;
            string[] lines = tool
                ? ["""{"model":"llama3:8b","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"weather","arguments":{"city":"Oslo"}}}]},"done":false}""",
                   """{"model":"llama3:8b","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":12,"eval_count":4}"""]
                : ["""{"model":"llama3:8b","message":{"role":"assistant","content":"Hel"},"done":false}""",
                   """{"model":"llama3:8b","message":{"role":"assistant","content":"lo"},"done":false}""",
                   """{"model":"llama3:8b","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":12,"eval_count":2}"""];
            if (!stream)
            {
                await ScriptedUpstream.Json(c, """{"model":"llama3:8b","message":{"role":"assistant","content":"Hello"},"done":true,"done_reason":"stop","prompt_eval_count":12,"eval_count":2}""");
                return;
            }

            c.Response.ContentType = "application/x-ndjson";
            foreach (var line in lines)
            {
                await c.Response.WriteAsync(line + "\n");
                await c.Response.Body.FlushAsync();
            }
        };
        var router = await RunningRouter.StartAsync($$$"""
            backends:
              - {name: ollama, url: "{{{ollama.Address}}}", type: ollama, health: {period: 1h}}
            """);
        return (ollama, router);
    }

    private static ChatClient Client(RunningRouter router) =>
        new("llama3:8b", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(router.Address, "/v1") });

    [Fact]
    public async Task The_sdk_gets_a_whole_answer_and_a_stream_with_usage()
    {
        var (ollama, router) = await Start();
        await using (ollama)
        await using (router)
        {
            var client = Client(router);
            ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage("Hi")]);
            Assert.Equal("Hello", whole.Content[0].Text);
            Assert.Equal(14, whole.Usage.TotalTokenCount);
            var sent = JsonNode.Parse(ollama.Requests.Single().Body)!;
            Assert.Equal("/api/chat", ollama.Requests.Single().Path);
            Assert.Equal("Hi", (string?)sent["messages"]![0]!["content"]);

            var text = new System.Text.StringBuilder();
            ChatTokenUsage? usage = null;
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hi")]))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }

                usage ??= update.Usage;
            }

            Assert.Equal("Hello", text.ToString());
            Assert.Equal((12, 2), (usage!.InputTokenCount, usage.OutputTokenCount));
        }
    }

    [Fact]
    public async Task Tool_calls_come_back_as_openai_tool_calls()
    {
        var (ollama, router) = await Start();
        await using (ollama)
        await using (router)
        {
            var client = Client(router);
            var tool = ChatTool.CreateFunctionTool("weather", "Weather in a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""));
            var options = new ChatCompletionOptions();
            options.Tools.Add(tool);
            string? name = null;
            var arguments = new System.Text.StringBuilder();
            ChatFinishReason? finish = null;
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Oslo?")], options))
            {
                foreach (var call in update.ToolCallUpdates)
                {
                    name ??= call.FunctionName;
                    arguments.Append(call.FunctionArgumentsUpdate?.ToString());
                }

                finish ??= update.FinishReason;
            }

            Assert.Equal("weather", name);
            Assert.Equal("Oslo", (string?)JsonNode.Parse(arguments.ToString())!["city"]);
            Assert.Equal(ChatFinishReason.ToolCalls, finish);
            Assert.Equal("weather", (string?)JsonNode.Parse(ollama.Requests.Single().Body)!["tools"]![0]!["function"]!["name"]);
        }
    }
}
