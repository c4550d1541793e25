using System.Text.Json.Serialization;
using Hearth.Server.Errors;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Ollama;

/// <summary>POST /api/embed request.</summary>
internal sealed record EmbedRequest
{
    public string? Model { get; init; }

    [JsonConverter(typeof(StringListConverter))]
    public IReadOnlyList<string>? Input { get; init; }

    /// <summary>Cut inputs longer than the context (Ollama's default) instead of failing.</summary>
    public bool? Truncate { get; init; }

    public OllamaOptions? Options { get; init; }

    [JsonConverter(typeof(KeepAliveConverter))]
    public TimeSpan? KeepAlive { get; init; }
}

internal sealed record EmbedResponse(string Model, IReadOnlyList<float[]> Embeddings, long TotalDuration, long LoadDuration, int PromptEvalCount);

/// <summary>POST /api/embed.</summary>
internal static class EmbedEndpoint
{
    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var started = server.Time.GetTimestamp();
        var request = await RequestReader.ReadAsync<EmbedRequest>(context).ConfigureAwait(false);
        OllamaMapping.Check(request.Input is { Count: > 0 }, "input", "is required");
        using var lease = await server.Models.AcquireAsync(request.Model, request.KeepAlive, context.RequestAborted).ConfigureAwait(false);
        var loadDuration = server.Time.GetElapsedTime(started);
        var model = lease.Model;
        var context_ = model.Model.ContextLength;
        var embeddings = new List<float[]>();
        var tokens = 0;
        foreach (var text in request.Input!)
        {
            var ids = model.Model.Tokenize(text, addSpecial: true);
            if (ids.Length > context_)
            {
                if (request.Truncate == false)
                {
                    throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "input",
                        $"An input has {ids.Length} tokens; the model's context length is {context_}.");
                }

                ids = ids[..context_];
            }

            tokens += ids.Length;
            embeddings.Add(await model.Scheduler.EmbedAsync(ids, context.RequestAborted).ConfigureAwait(false));
        }

        await context.Response.WriteAsJsonAsync(
            new EmbedResponse(
                request.Model ?? model.Name,
                embeddings,
                OllamaMapping.Nanoseconds(server.Time.GetElapsedTime(started)),
                OllamaMapping.Nanoseconds(loadDuration),
                tokens),
            ApiJson.Options,
            context.RequestAborted).ConfigureAwait(false);
    }
}
