using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Ollama;

/// <summary>POST /api/generate request.</summary>
internal sealed record GenerateRequest
{
    public string? Model { get; init; }

    public string? Prompt { get; init; }

    public string? System { get; init; }

    public string? Suffix { get; init; }

    /// <summary>Tokens returned by an earlier response; prepended so a conversation continues (raw mode only).</summary>
    public IReadOnlyList<int>? Context { get; init; }

    public bool? Stream { get; init; }

    public bool? Raw { get; init; }

    public JsonNode? Format { get; init; }

    public IReadOnlyList<string>? Images { get; init; }

    public OllamaOptions? Options { get; init; }

    [JsonConverter(typeof(KeepAliveConverter))]
    public TimeSpan? KeepAlive { get; init; }
}

internal sealed record GenerateResponse
{
    public required string Model { get; init; }

    public required string CreatedAt { get; init; }

    public required string Response { get; init; }

    public required bool Done { get; init; }

    public string? DoneReason { get; init; }

    public IReadOnlyList<int>? Context { get; init; }

    public long? TotalDuration { get; init; }

    public long? LoadDuration { get; init; }

    public int? PromptEvalCount { get; init; }

    public long? PromptEvalDuration { get; init; }

    public int? EvalCount { get; init; }

    public long? EvalDuration { get; init; }
}

/// <summary>POST /api/generate.</summary>
internal static class GenerateEndpoint
{
    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var started = server.Time.GetTimestamp();
        var request = await RequestReader.ReadAsync<GenerateRequest>(context).ConfigureAwait(false);
        OllamaMapping.Check(request.Images is null or { Count: 0 }, "images", "are not supported");
        OllamaMapping.Check(string.IsNullOrEmpty(request.Suffix), "suffix", "is not supported");
        var parameters = OllamaMapping.Map(request.Options, server.Models.DefaultsFor(request.Model)) with { Constraint = OllamaMapping.JsonFormat(request.Format) };
        using var lease = await server.Models.AcquireAsync(request.Model, request.KeepAlive, context.RequestAborted).ConfigureAwait(false);
        var model = lease.Model;
        var name = request.Model ?? model.Name;
        var loadDuration = server.Time.GetElapsedTime(started);
        string Now() => server.Time.GetUtcNow().ToString("O");

        if (string.IsNullOrEmpty(request.Prompt) && request.Context is null or { Count: 0 })
        {
            // Ollama: an empty prompt only loads the model (or, with keep_alive 0, unloads it).
            var unload = request.KeepAlive == TimeSpan.Zero;
            await context.Response.WriteAsJsonAsync(
                new GenerateResponse { Model = name, CreatedAt = Now(), Response = string.Empty, Done = true, DoneReason = unload ? "unload" : "load" },
                ApiJson.Options,
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        int[] prompt;
        if (request.Raw == true)
        {
            prompt = [.. request.Context ?? [], .. model.Model.Tokenize(request.Prompt ?? string.Empty, addSpecial: request.Context is null or { Count: 0 })];
        }
        else
        {
            var messages = new JsonArray();
            if (!string.IsNullOrEmpty(request.System))
            {
                messages.Add(new JsonObject { ["role"] = "system", ["content"] = request.System });
            }

            messages.Add(new JsonObject { ["role"] = "user", ["content"] = request.Prompt ?? string.Empty });
            prompt = [.. request.Context ?? [], .. model.Model.TokenizeChat(messages)];
        }

        var job = Inference.InferenceService.Submit(model, prompt, parameters, "prompt", context.RequestAborted);
        await OllamaRun.RunAsync(
            context,
            job,
            request.Stream != false,
            started,
            loadDuration,
            server.Time,
            text => new GenerateResponse { Model = name, CreatedAt = Now(), Response = text, Done = false },
            (text, s, generated) => new GenerateResponse
            {
                Model = name,
                CreatedAt = Now(),
                Response = text,
                Done = true,
                DoneReason = s.DoneReason,
                Context = [.. prompt, .. generated],
                TotalDuration = s.TotalDuration,
                LoadDuration = s.LoadDuration,
                PromptEvalCount = s.PromptEvalCount,
                PromptEvalDuration = s.PromptEvalDuration,
                EvalCount = s.EvalCount,
                EvalDuration = s.EvalDuration,
            }).ConfigureAwait(false);
    }
}
