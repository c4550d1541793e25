using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;
using OpenAI;
using OpenAI.Chat;

#pragma warning disable OPENAI001 // Seed is "for evaluation"; the server supports it

namespace Hearth.Server.Tests.Http;

/// <summary>
/// Tool calling over HTTP on a real random-weight model (qwen2-bpe) given the Qwen 2.5 template with
/// <c>ChatTemplate</c> (the server's <c>--chat-template</c>): forced calls are constrained, so even this model writes a
/// call whose arguments satisfy the schema; the OpenAI SDK reads the streamed tool-call updates; Ollama's form by raw HTTP.
/// </summary>
public sealed class ToolCallingTests : IAsyncLifetime
{
    private const string ModelName = "qwen2-bpe-q8_0";

    private const string WeatherParameters = """
        {"type": "object", "properties": {"city": {"type": "string", "enum": ["Paris", "Oslo"]}, "celsius": {"type": "boolean"}}, "required": ["city", "celsius"]}
        """;

    private const string ToolsJson = $$$"""
        [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": {{{WeatherParameters}}} }},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"enum": ["UTC", "CET"]}}, "required": ["zone"]} } }]
        """;

    private TestServer server = null!;

    public async Task InitializeAsync()
    {
        var template = await File.ReadAllTextAsync(SharedData.Path("chat-templates", "Qwen-Qwen2.5-7B-Instruct.jinja"));
        server = await TestServer.StartAsync(
            o =>
            {
                o.Models.Add(SharedData.ReferenceModel(ModelName + ".gguf"));
                o.ChatTemplate = template;
            },
            ServerModels.Loader());
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private ChatClient Chat() =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "/v1") }).GetChatClient(ModelName);

    private static void AssertWeatherArguments(string arguments)
    {
        var args = JsonNode.Parse(arguments)!.AsObject();
        Assert.Contains((string?)args["city"], new[] { "Paris", "Oslo" });
        Assert.True(args["celsius"]!.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
    }

    [Fact]
    public async Task Sdk_streams_a_required_call_as_tool_call_updates()
    {
        var options = new ChatCompletionOptions
        {
            MaxOutputTokenCount = 200,
            Temperature = 0.8f,
            Seed = 5,
            ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather"),
            AllowParallelToolCalls = false,
        };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather in a city", BinaryData.FromString(WeatherParameters)));
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "Time"));

        var arguments = new StringBuilder();
        string? id = null, name = null;
        var argumentUpdates = 0;
        var content = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("What is the weather in Paris?")], options))
        {
            foreach (var part in update.ContentUpdate)
            {
                content.Append(part.Text);
            }

            foreach (var call in update.ToolCallUpdates)
            {
                Assert.Equal(0, call.Index);
                id ??= call.ToolCallId;
                name ??= call.FunctionName;
                if (call.FunctionArgumentsUpdate is { } a && !a.ToMemory().IsEmpty)
                {
                    arguments.Append(a.ToString());
                    argumentUpdates++;
                }
            }

            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal("get_weather", name);
        Assert.StartsWith("call_", id, StringComparison.Ordinal);
        Assert.True(argumentUpdates > 3, $"arguments came in {argumentUpdates} updates");
        AssertWeatherArguments(arguments.ToString());
        Assert.Equal(string.Empty, content.ToString());
    }

    [Fact]
    public async Task Required_call_then_its_result_goes_back_and_none_gives_text()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 200, Seed = 11, ToolChoice = ChatToolChoice.CreateRequiredChoice(), AllowParallelToolCalls = false };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather in a city", BinaryData.FromString(WeatherParameters)));
        List<ChatMessage> messages = [new UserChatMessage("Weather in Oslo?")];
        ChatCompletion first = await Chat().CompleteChatAsync(messages, options);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        AssertWeatherArguments(call.FunctionArguments.ToString());

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "{\"temperature\": 18}"));
        options.ToolChoice = ChatToolChoice.CreateNoneChoice();
        options.MaxOutputTokenCount = 8;
        ChatCompletion second = await Chat().CompleteChatAsync(messages, options);
        Assert.Empty(second.ToolCalls);
        Assert.Equal(ChatFinishReason.Length, second.FinishReason);
        Assert.NotEmpty(second.Content[0].Text);

        // The history (call and result) reached the template: the second prompt holds both.
        Assert.True(second.Usage.InputTokenCount > first.Usage.InputTokenCount + 20, $"{second.Usage.InputTokenCount} vs {first.Usage.InputTokenCount}");
    }

    [Fact]
    public async Task Parallel_calls_are_all_valid()
    {
        var body = $$$"""
            {"model": "{{{ModelName}}}", "messages": [{"role": "user", "content": "Weather and time?"}], "max_tokens": 400, "seed": 3,
             "tools": {{{ToolsJson}}} , "tool_choice": "required", "parallel_tool_calls": true}
            """;
        var json = await PostJson("/v1/chat/completions", body);
        var choice = json["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        var calls = choice["message"]!["tool_calls"]!.AsArray();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
        {
            var arguments = (string)call!["function"]!["arguments"]!;
            if ((string?)call["function"]!["name"] == "get_weather")
            {
                AssertWeatherArguments(arguments);
            }
            else
            {
                Assert.Equal("get_time", (string?)call["function"]!["name"]);
                Assert.Contains((string?)JsonNode.Parse(arguments)!["zone"], new[] { "UTC", "CET" });
            }
        }
    }

    [Theory]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "tuple"}}}], "tool_choice": "required"}""", "tools[0].function.parameters", "unsupported type 'tuple'")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}}""", "tool_choice.function.name", "not among the tools")]
    [InlineData("""{"n": 2}""", "n", "only n = 1")]
    [InlineData("""{"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required", "response_format": {"type": "json_object"}}""", "response_format", "cannot be combined")]
    [InlineData("""{"reasoning_format": "verbose"}""", "reasoning_format", "must be one of")]
    public async Task Bad_tool_requests_are_a_400_naming_the_field(string extra, string param, string message)
    {
        var body = JsonNode.Parse(extra)!.AsObject();
        body["model"] = ModelName;
        body["messages"] = JsonNode.Parse("""[{"role": "user", "content": "hi"}]""");
        using var response = await server.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(param, (string?)error["param"]);
        Assert.Contains(message, (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ollama_returns_tool_calls_with_object_arguments()
    {
        var body = $$$"""
            {"model": "{{{ModelName}}}", "stream": false, "messages": [{"role": "user", "content": "Weather in Paris?"}],
             "tools": {{{ToolsJson}}} , "tool_choice": {"type": "function", "function": {"name": "get_weather"}}, "options": {"seed": 2, "num_predict": 200}}
            """;
        var json = await PostJson("/api/chat", body);
        var call = json["message"]!["tool_calls"]![0]!["function"]!;
        Assert.Equal("get_weather", (string?)call["name"]);
        Assert.Equal(0, (int)call["index"]!);
        Assert.IsType<JsonObject>(call["arguments"]);
        AssertWeatherArguments(call["arguments"]!.ToJsonString());
        Assert.True((bool)json["done"]!);

        // Streaming: content chunks, then one chunk with the complete call, then the final object.
        var lines = await PostLines("/api/chat", body.Replace("\"stream\": false", "\"stream\": true", StringComparison.Ordinal));
        var withCalls = lines.Where(l => l["message"]?["tool_calls"] is JsonArray).ToList();
        var streamed = Assert.Single(Assert.Single(withCalls)["message"]!["tool_calls"]!.AsArray())!["function"]!;
        Assert.Equal("get_weather", (string?)streamed["name"]);
        AssertWeatherArguments(streamed["arguments"]!.ToJsonString());
        Assert.True((bool)lines[^1]["done"]!);
        Assert.All(lines, l => Assert.DoesNotContain("tool_call", (string?)l["message"]?["content"] ?? string.Empty, StringComparison.Ordinal));

        // The call and its result go back the way Ollama clients send them (arguments as an object, tool_name).
        var history = $$$"""
            {"model": "{{{ModelName}}}", "stream": false, "tools": {{{ToolsJson}}} , "options": {"seed": 2, "num_predict": 4},
             "messages": [{"role": "user", "content": "Weather in Paris?"},
                          {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris", "celsius": true} } }]},
                          {"role": "tool", "tool_name": "get_weather", "content": "18 degrees"}]}
            """;
        var answer = await PostJson("/api/chat", history);
        Assert.True((int)answer["prompt_eval_count"]! > (int)json["prompt_eval_count"]! + 20);
    }

    private async Task<JsonNode> PostJson(string path, string body)
    {
        using var response = await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }

    private async Task<List<JsonNode>> PostLines(string path, string body)
    {
        using var response = await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }
}
