using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Hearth.Engine.Sampling;
using Hearth.Server.Errors;
using Hearth.Server.Inference;
using Hearth.Server.Json;
using Hearth.Server.Tools;

namespace Hearth.Server.OpenAI;

/// <summary>POST /v1/chat/completions request (the fields Hearth uses; others are ignored).</summary>
internal sealed record ChatCompletionRequest
{
    public string? Model { get; init; }

    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public int? MaxTokens { get; init; }

    public int? MaxCompletionTokens { get; init; }

    [JsonConverter(typeof(StringListConverter))]
    public IReadOnlyList<string>? Stop { get; init; }

    public long? Seed { get; init; }

    public float? PresencePenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public IReadOnlyDictionary<string, float>? LogitBias { get; init; }

    public bool? Logprobs { get; init; }

    public int? TopLogprobs { get; init; }

    public bool? Stream { get; init; }

    public StreamOptions? StreamOptions { get; init; }

    public int? N { get; init; }

    public ResponseFormat? ResponseFormat { get; init; }

    /// <summary>Functions the model may call (<c>[{"type": "function", "function": {name, description, parameters}}]</c>).</summary>
    public JsonNode? Tools { get; init; }

    /// <summary>"auto" (default with tools), "none", "required", or <c>{"type": "function", "function": {"name": ...}}</c>.</summary>
    public JsonNode? ToolChoice { get; init; }

    public bool? ParallelToolCalls { get; init; }

    /// <summary>What happens to a <c>&lt;think&gt;</c> block (llama.cpp's field): split into <c>reasoning_content</c>
    /// (default; "auto", "deepseek" and "parsed" say the same) or left inline in the content ("none").</summary>
    public string? ReasoningFormat { get; init; }

    /// <summary>Extra chat-template variables (llama.cpp's field), e.g. <c>{"enable_thinking": false}</c>.</summary>
    public JsonObject? ChatTemplateKwargs { get; init; }
}

/// <summary>OpenAI's response_format: "text" (default), "json_object" (JSON mode) or "json_schema" (structured output).</summary>
internal sealed record ResponseFormat
{
    public string? Type { get; init; }

    public JsonSchemaFormat? JsonSchema { get; init; }
}

internal sealed record JsonSchemaFormat
{
    public string? Name { get; init; }

    public JsonNode? Schema { get; init; }

    public bool? Strict { get; init; }
}

internal sealed record ChatMessage
{
    public string? Role { get; init; }

    [JsonConverter(typeof(MessageContentConverter))]
    public string? Content { get; init; }

    public string? Name { get; init; }

    /// <summary>An assistant turn's calls: <c>[{"id", "type": "function", "function": {"name", "arguments"}}]</c>.</summary>
    public JsonNode? ToolCalls { get; init; }

    /// <summary>A tool message's answer to this call id.</summary>
    public string? ToolCallId { get; init; }
}

internal sealed record ChatCompletionResponse(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    Usage Usage,
    string SystemFingerprint);

internal sealed record ChatChoice(int Index, ChatResponseMessage Message, ChatLogprobs? Logprobs, string? FinishReason);

internal sealed record ChatResponseMessage(string Role, string? Content, string? ReasoningContent = null, IReadOnlyList<ToolCall>? ToolCalls = null);

internal sealed record ToolCall(string Id, string Type, ToolCallFunction Function);

internal sealed record ToolCallFunction(string Name, string Arguments);

internal sealed record ToolCallDelta(int Index, string? Id, string? Type, ToolCallFunctionDelta Function);

internal sealed record ToolCallFunctionDelta(string? Name, string? Arguments);

internal sealed record ChatCompletionChunk(
    string Id,
    string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChunkChoice> Choices,
    Usage? Usage,
    string SystemFingerprint);

internal sealed record ChatChunkChoice(int Index, ChatDelta Delta, ChatLogprobs? Logprobs, string? FinishReason);

internal sealed record ChatDelta(string? Role, string? Content, string? ReasoningContent = null, IReadOnlyList<ToolCallDelta>? ToolCalls = null);

internal sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content);

internal sealed record ChatTokenLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

internal sealed record ChatTopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);

/// <summary>Pure mapping between chat-completion records and the scheduler's terms.</summary>
internal static class ChatCompletions
{
    public const string Fingerprint = "hearth";

    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    /// <summary>Validates a request and returns the messages to render and the generation parameters.</summary>
    public static (JsonArray Messages, GenerationParameters Parameters) Map(ChatCompletionRequest request, ModelDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        OpenAISampling.Check(request.Messages is { Count: > 0 }, "messages", "must be a non-empty array");
        var messages = new JsonArray();
        for (var i = 0; i < request.Messages!.Count; i++)
        {
            var m = request.Messages[i];
            OpenAISampling.Check(m is not null, $"messages[{i}]", "must be an object");
            OpenAISampling.Check(m!.Role is not null && Roles.Contains(m.Role), $"messages[{i}].role",
                "must be one of system, developer, user, assistant, tool");

            // Templates know "system"; "developer" is OpenAI's newer name for it.
            var message = new JsonObject
            {
                ["role"] = m.Role == "developer" ? "system" : m.Role,
                ["content"] = m.Content ?? string.Empty,
            };
            if (m.Name is not null)
            {
                message["name"] = m.Name;
            }

            if (m.ToolCalls is not null)
            {
                OpenAISampling.Check(m.Role == "assistant" && m.ToolCalls is JsonArray, $"messages[{i}].tool_calls", "must be an array, on an assistant message");
                message["tool_calls"] = ToolCallHistory(m.ToolCalls.AsArray(), $"messages[{i}].tool_calls");
            }

            if (m.ToolCallId is not null)
            {
                message["tool_call_id"] = m.ToolCallId;
            }

            messages.Add(message);
        }

        OpenAISampling.Check(request.TopLogprobs is null || request.Logprobs == true, "top_logprobs", "requires logprobs to be true");
        var maxParam = request.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var parameters = OpenAISampling.Map(
            request.Temperature,
            request.TopP,
            request.MaxCompletionTokens ?? request.MaxTokens,
            maxParam,
            request.Stop,
            request.Seed,
            request.PresencePenalty,
            request.FrequencyPenalty,
            request.LogitBias,
            request.Logprobs == true ? request.TopLogprobs ?? 0 : null,
            request.N,
            defaults);
        return (messages, parameters with { Constraint = Constraint(request.ResponseFormat) });
    }

    /// <summary>An assistant turn's calls as templates read them (OpenAI's shape, checked).</summary>
    private static JsonArray ToolCallHistory(JsonArray calls, string param)
    {
        var result = new JsonArray();
        for (var i = 0; i < calls.Count; i++)
        {
            var function = calls[i]?["function"] as JsonObject;
            OpenAISampling.Check(function?["name"] is JsonValue, $"{param}[{i}].function.name", "is required");
            var call = new JsonObject { ["type"] = "function", ["function"] = function!.DeepClone() };
            if (calls[i]!["id"] is JsonNode id)
            {
                call["id"] = id.DeepClone();
            }

            result.Add(call);
        }

        return result;
    }

    /// <summary>Whether to split a think block out of the content (<c>reasoning_format</c>).</summary>
    public static bool SplitReasoning(ChatCompletionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        OpenAISampling.Check(request.ReasoningFormat is null or "none" or "auto" or "deepseek" or "parsed", "reasoning_format", "must be one of auto, deepseek, parsed, none");
        return request.ReasoningFormat != "none";
    }

    private static Func<IJsonConstraint>? Constraint(ResponseFormat? format)
    {
        switch (format?.Type)
        {
            case null or "text":
                return null;
            case "json_object":
                return () => new JsonObjectConstraint();
            case "json_schema":
                var schema = format.JsonSchema?.Schema;
                OpenAISampling.Check(schema is not null, "response_format.json_schema.schema", "is required");
                return JsonSchemas.Factory(schema!, "response_format.json_schema.schema");
            default:
                throw ApiException.BadRequest("'response_format.type' must be one of text, json_object, json_schema.", "response_format.type");
        }
    }

    public static ChatCompletionResponse Response(string id, long created, string model, CompletionResult result, ChatOutputParser parser)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(parser);
        var output = parser.Parse(result.Text, partial: false);
        var calls = output.Calls.Select(c => new ToolCall(c.Id ?? parser.Format!.NewCallId(), "function", new ToolCallFunction(c.Name, c.Arguments))).ToList();
        var message = new ChatResponseMessage(
            "assistant",
            calls.Count > 0 && output.Content.Length == 0 ? null : output.Content,
            output.Reasoning.Length > 0 ? output.Reasoning : null,
            calls.Count > 0 ? calls : null);
        var finish = calls.Count > 0 ? "tool_calls" : OpenAISampling.FinishReason(result.Reason);
        return new(id, "chat.completion", created, model, [new ChatChoice(0, message, Logprobs(result.Logprobs), finish)], Usage.From(result.Usage), Fingerprint);
    }

    /// <summary>A streamed step as a delta: text, reasoning, or a part of one tool call.</summary>
    public static ChatDelta Delta(ChatStreamDelta d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.IsCall
            ? new ChatDelta(null, null, null, [new ToolCallDelta(d.Index, d.Id, d.Id is null ? null : "function", new ToolCallFunctionDelta(d.Name, d.Arguments))])
            : new ChatDelta(null, d.Content, d.Reasoning);
    }

    public static ChatCompletionChunk Chunk(string id, long created, string model, ChatDelta delta, TokenLogprob? logprob, string? finishReason) =>
        new(id, "chat.completion.chunk", created, model,
            [new ChatChunkChoice(0, delta, logprob is null ? null : Logprobs([logprob]), finishReason)], null, Fingerprint);

    public static ChatCompletionChunk UsageChunk(string id, long created, string model, GenerationUsage usage) =>
        new(id, "chat.completion.chunk", created, model, [], Usage.From(usage), Fingerprint);

    public static ChatLogprobs? Logprobs(IReadOnlyList<TokenLogprob> logprobs) =>
        logprobs.Count == 0 ? null : new ChatLogprobs(logprobs.Select(l => new ChatTokenLogprob(
            l.Token,
            l.Logprob,
            OpenAISampling.Utf8(l.Token),
            l.Top.Select(t => new ChatTopLogprob(t.Token, t.Logprob, OpenAISampling.Utf8(t.Token))).ToList())).ToList());
}
