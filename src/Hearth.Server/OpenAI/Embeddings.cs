using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using Hearth.Server.Errors;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.OpenAI;

/// <summary>POST /v1/embeddings request.</summary>
internal sealed record EmbeddingRequest
{
    public string? Model { get; init; }

    [JsonConverter(typeof(CompletionPromptConverter))]
    public CompletionPrompt? Input { get; init; }

    public string? EncodingFormat { get; init; }

    public int? Dimensions { get; init; }
}

internal sealed record EmbeddingResponse(string Object, IReadOnlyList<EmbeddingItem> Data, string Model, EmbeddingUsage Usage);

/// <param name="Embedding">float[] or, for encoding_format "base64", the little-endian float32 bytes in base64.</param>
internal sealed record EmbeddingItem(string Object, int Index, object Embedding);

internal sealed record EmbeddingUsage(int PromptTokens, int TotalTokens);

/// <summary>POST /v1/embeddings: mean-pooled, L2-normalized final hidden states (Model.Embed), one per input.</summary>
internal static class EmbeddingsEndpoint
{
    /// <summary>Inputs per request; OpenAI allows 2048.</summary>
    public const int MaxInputs = 2048;

    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<EmbeddingRequest>(context).ConfigureAwait(false);
        OpenAISampling.Check(request.Input is not null, "input", "is required");
        var format = request.EncodingFormat ?? "float";
        OpenAISampling.Check(format is "float" or "base64", "encoding_format", "must be \"float\" or \"base64\"");
        var count = (request.Input!.Texts?.Count ?? 0) + (request.Input.Tokens?.Count ?? 0);
        OpenAISampling.Check(count is > 0 and <= MaxInputs, "input", $"must hold 1 to {MaxInputs} inputs");
        OpenAISampling.Check(request.Input.Texts?.All(t => t.Length > 0) ?? true, "input", "must not contain empty strings");

        using var lease = await server.Models.AcquireAsync(request.Model, null, context.RequestAborted).ConfigureAwait(false);
        var model = lease.Model;
        OpenAISampling.Check(request.Dimensions is null || request.Dimensions == model.Model.Facts.EmbeddingLength, "dimensions",
            $"must equal the model's embedding length {model.Model.Facts.EmbeddingLength} (truncation is not supported)");
        var inputs = request.Input.Texts?.Select(t => model.Model.Tokenize(t, addSpecial: true)).ToList() ?? [.. request.Input.Tokens!];
        var items = new List<EmbeddingItem>(inputs.Count);
        var tokens = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i].Length > model.Model.ContextLength)
            {
                throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "input",
                    $"Input {i} has {inputs[i].Length} tokens; this model's maximum context length is {model.Model.ContextLength}.");
            }

            var vector = await model.Scheduler.EmbedAsync(inputs[i], context.RequestAborted).ConfigureAwait(false);
            tokens += inputs[i].Length;
            items.Add(new EmbeddingItem("embedding", i, format == "base64" ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : vector));
        }

        await context.Response.WriteAsJsonAsync(
            new EmbeddingResponse("list", items, request.Model ?? model.Name, new EmbeddingUsage(tokens, tokens)),
            ApiJson.Options,
            context.RequestAborted).ConfigureAwait(false);
    }
}
