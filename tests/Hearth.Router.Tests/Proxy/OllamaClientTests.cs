using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Tests.Support;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;

namespace Hearth.Router.Tests.Proxy;

/// <summary>An Ollama client (OllamaSharp) in front of an OpenAI-only backend (<c>ollama_api: false</c>, like vLLM):
/// /api/chat and /api/generate are translated to /v1/* and the SSE answers back to NDJSON.</summary>
public sealed class OllamaClientTests
{
    [Fact]
    public async Task Chat_generate_and_tool_calls_work_against_an_openai_only_backend()
    {
        await using var vllm = await ScriptedUpstream.StartAsync();
        vllm.Handler = async (c, r) =>
        {
            var request = JsonNode.Parse(r.Body)!;
            if (r.Path == "/v1/completions")
            {
                await ScriptedUpstream.Json(c, """{"id":"cmpl","object":"text_completion","choices":[{"index":0,"text":"once upon","finish_reason":"length"}],"usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}}""");
                return;
            }

            var usage = """{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":3,"total_tokens":11}}""";
            await ScriptedUpstream.Sse(c, request["tools"] is null
                ? [ScriptedUpstream.Chunk("Hel"), ScriptedUpstream.Chunk("lo"), """{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""", usage, "[DONE]"]
                : ["""{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"ci"}}]},"finish_reason":null}]}""",
                   """{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]},"finish_reason":"tool_calls"}]}""",
                   usage, "[DONE]"]);
        };
        await using var router = await RunningRouter.StartAsync($$$"""
            backends:
              - {name: vllm, url: "{{{vllm.Address}}}", models: [m], ollama_api: false, health: {period: 1h}}
            """);
        using var http = new HttpClient { BaseAddress = router.Address };
        var ollama = new OllamaApiClient(http, "m");

        var text = new StringBuilder();
        ChatDoneResponseStream? done = null;
        await foreach (var part in ollama.ChatAsync(new ChatRequest { Model = "m", Messages = [new Message(ChatRole.User, "Hi")], Options = new RequestOptions { NumPredict = 5, Temperature = 0.1f } }))
        {
            text.Append(part?.Message.Content);
            done = part as ChatDoneResponseStream ?? done;
        }

        Assert.Equal("Hello", text.ToString());
        Assert.Equal((8, 3), (done!.PromptEvalCount, done.EvalCount));
        var sent = JsonNode.Parse(vllm.Requests.First().Body)!;
        Assert.Equal("/v1/chat/completions", vllm.Requests.First().Path);
        Assert.Equal(5, (int)sent["max_tokens"]!);
        Assert.True((bool)sent["stream_options"]!["include_usage"]!);

        Message? toolMessage = null;
        await foreach (var part in ollama.ChatAsync(new ChatRequest
        {
            Model = "m",
            Messages = [new Message(ChatRole.User, "Weather in Oslo?")],
            Tools = [new Tool { Function = new Function { Name = "weather", Description = "Weather", Parameters = new Parameters { Properties = new Dictionary<string, Property> { ["city"] = new() { Type = "string" } } } } }],
        }))
        {
            if (part?.Message.ToolCalls?.Any() == true)
            {
                toolMessage = part.Message;
            }
        }

        var call = Assert.Single(toolMessage!.ToolCalls!);
        Assert.Equal("weather", call.Function!.Name);
        Assert.Equal("Oslo", call.Function.Arguments!["city"]?.ToString());

        var generated = new StringBuilder();
        await foreach (var part in ollama.GenerateAsync(new GenerateRequest { Model = "m", Prompt = "Tell", Stream = false }))
        {
            generated.Append(part?.Response);
        }

        Assert.Equal("once upon", generated.ToString());
        Assert.Equal("Tell", (string?)JsonNode.Parse(vllm.Requests.Last().Body)!["prompt"]);
    }
}
