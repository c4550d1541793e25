using System.Text.Json.Serialization;
using Hearth.Server.Errors;
using Hearth.Server.Json;
using Hearth.Server.Models;
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

/// <summary>POST /api/embeddings request: Ollama's older single-prompt form, still used by many clients.</summary>
internal sealed record LegacyEmbeddingsRequest
{
    public string? Model { get; init; }

    public string? Prompt { get; init; }

    public OllamaOptions? Options { get; init; }

    [JsonConverter(typeof(KeepAliveConverter))]
    public TimeSpan? KeepAlive { get; init; }
}

internal sealed record LegacyEmbeddingsResponse(float[] Embedding);

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
        var embeddings = new List<float[]>();
        var tokens = 0;
        foreach (var text in request.Input!)
        {
            var (vector, count) = await EmbedOneAsync(model, text, request.Truncate != false, context.RequestAborted).ConfigureAwait(false);
            tokens += count;
            embeddings.Add(vector);
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

    /// <summary>
    /// POST /api/embeddings, Ollama's older form: one <c>prompt</c>, one <c>embedding</c>. The vector is /api/embed's
    /// (mean-pooled, unit length); an empty prompt only loads the model and returns an empty vector, as Ollama does.
    /// Inputs beyond the context are cut, as in Ollama.
    /// </summary>
    public static async Task LegacyAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<LegacyEmbeddingsRequest>(context).ConfigureAwait(false);
        using var lease = await server.Models.AcquireAsync(request.Model, request.KeepAlive, context.RequestAborted).ConfigureAwait(false);
        var vector = string.IsNullOrEmpty(request.Prompt)
            ? []
            : (await EmbedOneAsync(lease.Model, request.Prompt, truncate: true, context.RequestAborted).ConfigureAwait(false)).Vector;
        await context.Response.WriteAsJsonAsync(new LegacyEmbeddingsResponse(vector), ApiJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<(float[] Vector, int Tokens)> EmbedOneAsync(LoadedModel model, string text, bool truncate, CancellationToken cancellation)
    {
        var contextLength = model.Model.ContextLength;
        var ids = model.Model.Tokenize(text, addSpecial: true);
        if (ids.Length > contextLength)
        {
            if (!truncate)
            {
                throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "input",
                    $"An input has {ids.Length} tokens; the model's context length is {contextLength}.");
            }

            ids = ids[..contextLength];
        }

        return (await model.Scheduler.EmbedAsync(ids, cancellation).ConfigureAwait(false), ids.Length);
    }
}
