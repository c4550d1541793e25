using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Hearth.Server.Inference;
using Hearth.Server.Json;
using Hearth.Server.Tools;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Ollama;

/// <summary>POST /api/chat request.</summary>
internal sealed record OllamaChatRequest
{
    public string? Model { get; init; }

    public IReadOnlyList<OllamaMessage>? Messages { get; init; }

    public bool? Stream { get; init; }

    public JsonNode? Format { get; init; }

    public JsonNode? Tools { get; init; }

    /// <summary>Hearth's extension (Ollama has none): OpenAI's tool_choice, so a call can be forced here too.</summary>
    public JsonNode? ToolChoice { get; init; }

    /// <summary>true: a think block goes to <c>message.thinking</c> (the default); false: the template is told not to
    /// think (<c>enable_thinking</c>) and any think text stays inline in the content.</summary>
    public bool? Think { get; init; }

    public OllamaOptions? Options { get; init; }

    [JsonConverter(typeof(KeepAliveConverter))]
    public TimeSpan? KeepAlive { get; init; }
}

internal sealed record OllamaMessage
{
    public string? Role { get; init; }

    public string? Content { get; init; }

    public IReadOnlyList<string>? Images { get; init; }

    public string? Thinking { get; init; }

    /// <summary>Calls as Ollama writes them: <c>[{"function": {"index", "name", "arguments": {...}}}]</c> (arguments an object).</summary>
    public JsonNode? ToolCalls { get; init; }

    /// <summary>On a tool message: the function whose result it is.</summary>
    public string? ToolName { get; init; }
}

internal sealed record OllamaChatResponse
{
    public required string Model { get; init; }

    public required string CreatedAt { get; init; }

    public OllamaMessage? Message { get; init; }

    public required bool Done { get; init; }

    public string? DoneReason { get; init; }

    public long? TotalDuration { get; init; }

    public long? LoadDuration { get; init; }

    public int? PromptEvalCount { get; init; }

    public long? PromptEvalDuration { get; init; }

    public int? EvalCount { get; init; }

    public long? EvalDuration { get; init; }
}

/// <summary>POST /api/chat.</summary>
internal static class OllamaChatEndpoint
{
    /// <summary>Calls as Ollama returns them: arguments as an object, numbered from <paramref name="first"/>.</summary>
    private static JsonArray OllamaCalls(IEnumerable<ParsedToolCall> calls, int first) =>
        new(calls.Select((c, k) => (JsonNode)new JsonObject
        {
            ["function"] = new JsonObject
            {
                ["index"] = first + k,
                ["name"] = c.Name,
                ["arguments"] = ToolText.IsObject(c.Arguments) ? JsonNode.Parse(c.Arguments) : new JsonObject(),
            },
        }).ToArray());

    private static readonly HashSet<string> Roles = ["system", "user", "assistant", "tool"];

    public static JsonArray MapMessages(IReadOnlyList<OllamaMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var array = new JsonArray();
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            OllamaMapping.Check(m?.Role is not null && Roles.Contains(m.Role), $"messages[{i}].role", "must be one of system, user, assistant, tool");
            OllamaMapping.Check(m!.Images is null or { Count: 0 }, $"messages[{i}].images", "are not supported");
            var message = new JsonObject { ["role"] = m.Role, ["content"] = m.Content ?? string.Empty };
            if (m.ToolCalls is JsonArray calls)
            {
                // Templates read OpenAI's shape; arguments stay objects (the template layer writes them as it needs).
                message["tool_calls"] = new JsonArray(calls.Select((c, k) => (JsonNode)new JsonObject
                {
                    ["id"] = $"call_{i}_{k}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = c?["function"]?["name"]?.DeepClone(), ["arguments"] = c?["function"]?["arguments"]?.DeepClone() ?? new JsonObject() },
                }).ToArray());
            }
            else
            {
                OllamaMapping.Check(m.ToolCalls is null, $"messages[{i}].tool_calls", "must be an array");
            }

            if (m.ToolName is not null)
            {
                message["name"] = m.ToolName;
            }

            array.Add(message);
        }

        return array;
    }

    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var started = server.Time.GetTimestamp();
        var request = await RequestReader.ReadAsync<OllamaChatRequest>(context).ConfigureAwait(false);
        var messages = MapMessages(request.Messages ?? []);
        var tools = ToolOptions.From(request.Tools, request.ToolChoice, null, parallelDefault: true);
        var variables = new Dictionary<string, JsonNode?>();
        if (request.Think is bool think)
        {
            variables["enable_thinking"] = think;
        }

        var parameters = OllamaMapping.Map(request.Options, server.Models.DefaultsFor(request.Model)) with { Constraint = OllamaMapping.JsonFormat(request.Format) };
        using var lease = await server.Models.AcquireAsync(request.Model, request.KeepAlive, context.RequestAborted).ConfigureAwait(false);
        var model = lease.Model;
        var name = request.Model ?? model.Name;
        var loadDuration = server.Time.GetElapsedTime(started);
        string Now() => server.Time.GetUtcNow().ToString("O");
        if (messages.Count == 0)
        {
            await context.Response.WriteAsJsonAsync(
                new OllamaChatResponse
                {
                    Model = name,
                    CreatedAt = Now(),
                    Message = new OllamaMessage { Role = "assistant", Content = string.Empty },
                    Done = true,
                    DoneReason = request.KeepAlive == TimeSpan.Zero ? "unload" : "load",
                },
                ApiJson.Options,
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var plan = ChatPlan.Create(model.Model, messages, tools, request.Think != false, variables, server.Time);
        var job = InferenceService.Submit(model, plan.Prompt, plan.Apply(parameters, "format"), "messages", context.RequestAborted);
        var stream = new ChatStream(plan.Parser);
        var sent = 0;
        OllamaChatResponse Partial(OllamaMessage message) => new() { Model = name, CreatedAt = Now(), Message = message, Done = false };

        // Streaming sends content and thinking as they come and each tool call once it is complete (as Ollama does);
        // the final object carries what the end of the text completed, or everything when not streaming.
        IEnumerable<object> Pieces(IReadOnlyList<ChatStreamDelta> deltas, bool last)
        {
            var content = string.Concat(deltas.Select(d => d.Content));
            var thinking = string.Concat(deltas.Select(d => d.Reasoning));
            if (content.Length > 0 || thinking.Length > 0)
            {
                yield return Partial(new OllamaMessage { Role = "assistant", Content = content, Thinking = thinking.Length > 0 ? thinking : null });
            }

            // A call is complete once another follows it, or at the end.
            var calls = last ? stream.Final!.Calls : stream.Current.Calls;
            var complete = last ? calls.Count : calls.Count - 1;
            if (complete > sent)
            {
                yield return Partial(new OllamaMessage { Role = "assistant", Content = string.Empty, ToolCalls = OllamaCalls(calls.Skip(sent).Take(complete - sent), sent) });
                sent = complete;
            }
        }

        await OllamaRun.RunAsync(
            context,
            job,
            request.Stream != false,
            started,
            loadDuration,
            server.Time,
            text => Pieces(stream.Push(text), last: false),
            (text, s, _) =>
            {
                OllamaMessage message;
                if (request.Stream != false)
                {
                    message = new OllamaMessage { Role = "assistant", Content = string.Empty };
                }
                else
                {
                    var output = plan.Parser.Parse(text, partial: false);
                    message = new OllamaMessage
                    {
                        Role = "assistant",
                        Content = output.Content,
                        Thinking = output.Reasoning.Length > 0 ? output.Reasoning : null,
                        ToolCalls = output.Calls.Count > 0 ? OllamaCalls(output.Calls, 0) : null,
                    };
                }

                return new OllamaChatResponse
                {
                    Model = name,
                    CreatedAt = Now(),
                    Message = message,
                    Done = true,
                    DoneReason = s.DoneReason,
                    TotalDuration = s.TotalDuration,
                    LoadDuration = s.LoadDuration,
                    PromptEvalCount = s.PromptEvalCount,
                    PromptEvalDuration = s.PromptEvalDuration,
                    EvalCount = s.EvalCount,
                    EvalDuration = s.EvalDuration,
                };
            },
            () => Pieces(stream.Finish(), last: true)).ConfigureAwait(false);
    }
}
