using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Hearth.Server.Inference;
using Hearth.Server.Json;
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

    public OllamaOptions? Options { get; init; }

    [JsonConverter(typeof(KeepAliveConverter))]
    public TimeSpan? KeepAlive { get; init; }
}

internal sealed record OllamaMessage
{
    public string? Role { get; init; }

    public string? Content { get; init; }

    public IReadOnlyList<string>? Images { get; init; }
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
            array.Add(new JsonObject { ["role"] = m.Role, ["content"] = m.Content ?? string.Empty });
        }

        return array;
    }

    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var started = server.Time.GetTimestamp();
        var request = await RequestReader.ReadAsync<OllamaChatRequest>(context).ConfigureAwait(false);
        OllamaMapping.Check(request.Tools is null or JsonArray { Count: 0 }, "tools", "are not supported");
        var messages = MapMessages(request.Messages ?? []);
        var parameters = OllamaMapping.Map(request.Options) with { Constraint = OllamaMapping.JsonFormat(request.Format) };
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

        var job = InferenceService.Submit(model, model.Model.TokenizeChat(messages), parameters, "messages", context.RequestAborted);
        await OllamaRun.RunAsync(
            context,
            job,
            request.Stream != false,
            started,
            loadDuration,
            server.Time,
            text => new OllamaChatResponse { Model = name, CreatedAt = Now(), Message = new OllamaMessage { Role = "assistant", Content = text }, Done = false },
            (text, s, _) => new OllamaChatResponse
            {
                Model = name,
                CreatedAt = Now(),
                Message = new OllamaMessage { Role = "assistant", Content = text },
                Done = true,
                DoneReason = s.DoneReason,
                TotalDuration = s.TotalDuration,
                LoadDuration = s.LoadDuration,
                PromptEvalCount = s.PromptEvalCount,
                PromptEvalDuration = s.PromptEvalDuration,
                EvalCount = s.EvalCount,
                EvalDuration = s.EvalDuration,
            }).ConfigureAwait(false);
    }
}
