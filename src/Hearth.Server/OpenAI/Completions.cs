using System.Text.Json;
using System.Text.Json.Serialization;
using Hearth.Server.Inference;
using Hearth.Server.Json;

namespace Hearth.Server.OpenAI;

/// <summary>POST /v1/completions request (legacy text completions).</summary>
internal sealed record CompletionRequest
{
    public string? Model { get; init; }

    [JsonConverter(typeof(CompletionPromptConverter))]
    public CompletionPrompt? Prompt { get; init; }

    public int? MaxTokens { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    [JsonConverter(typeof(StringListConverter))]
    public IReadOnlyList<string>? Stop { get; init; }

    public long? Seed { get; init; }

    public float? PresencePenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public IReadOnlyDictionary<string, float>? LogitBias { get; init; }

    /// <summary>Legacy API: number of alternatives per token (0-5), not a bool.</summary>
    public int? Logprobs { get; init; }

    public bool? Echo { get; init; }

    public string? Suffix { get; init; }

    public bool? Stream { get; init; }

    public StreamOptions? StreamOptions { get; init; }

    public int? N { get; init; }
}

/// <summary>A prompt given as text (string or [string]) or as token ids ([int] or [[int]]).</summary>
internal sealed record CompletionPrompt(IReadOnlyList<string>? Texts, IReadOnlyList<int[]>? Tokens);

internal sealed record CompletionResponse(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, Usage? Usage, string SystemFingerprint);

internal sealed record CompletionChoice(string Text, int Index, CompletionLogprobs? Logprobs, string? FinishReason);

internal sealed record CompletionLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, float>> TopLogprobs,
    IReadOnlyList<int> TextOffset);

/// <summary>Pure mapping between legacy completion records and the scheduler's terms.</summary>
internal static class Completions
{
    /// <summary>OpenAI's documented default for max_tokens on /v1/completions.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>Legacy logprobs allows at most 5 alternatives.</summary>
    public const int MaxLegacyLogprobs = 5;

    public static GenerationParameters Map(CompletionRequest request, ModelDefaults? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        OpenAISampling.Check(request.Prompt is not null, "prompt", "is required");
        var prompts = (request.Prompt!.Texts?.Count ?? 0) + (request.Prompt.Tokens?.Count ?? 0);
        OpenAISampling.Check(prompts == 1, "prompt", "must hold exactly one prompt (batches of prompts are not supported)");
        OpenAISampling.Check(string.IsNullOrEmpty(request.Suffix), "suffix", "is not supported");
        OpenAISampling.Check(request.Logprobs is null or (>= 0 and <= MaxLegacyLogprobs), "logprobs", $"must be between 0 and {MaxLegacyLogprobs}");
        return OpenAISampling.Map(
            request.Temperature,
            request.TopP,
            request.MaxTokens ?? defaults?.MaxTokens ?? DefaultMaxTokens,
            "max_tokens",
            request.Stop,
            request.Seed,
            request.PresencePenalty,
            request.FrequencyPenalty,
            request.LogitBias,
            request.Logprobs,
            request.N,
            defaults);
    }

    public static CompletionResponse Response(string id, long created, string model, string prefix, CompletionResult result) =>
        new(id, "text_completion", created, model,
            [new CompletionChoice(prefix + result.Text, 0, Logprobs(result.Logprobs, prefix.Length), OpenAISampling.FinishReason(result.Reason))],
            Usage.From(result.Usage), ChatCompletions.Fingerprint);

    public static CompletionResponse Chunk(string id, long created, string model, string text, TokenLogprob? logprob, int offset, string? finishReason) =>
        new(id, "text_completion", created, model,
            [new CompletionChoice(text, 0, logprob is null ? null : Logprobs([logprob], offset), finishReason)], null, ChatCompletions.Fingerprint);

    public static CompletionResponse UsageChunk(string id, long created, string model, GenerationUsage usage) =>
        new(id, "text_completion", created, model, [], Usage.From(usage), ChatCompletions.Fingerprint);

    public static CompletionLogprobs? Logprobs(IReadOnlyList<TokenLogprob> logprobs, int startOffset)
    {
        if (logprobs.Count == 0)
        {
            return null;
        }

        var offsets = new List<int>(logprobs.Count);
        var at = startOffset;
        foreach (var l in logprobs)
        {
            offsets.Add(at);
            at += l.Token.Length;
        }

        return new CompletionLogprobs(
            logprobs.Select(l => l.Token).ToList(),
            logprobs.Select(l => l.Logprob).ToList(),
            logprobs.Select(l => (IReadOnlyDictionary<string, float>)l.Top.GroupBy(t => t.Token).ToDictionary(g => g.Key, g => g.First().Logprob)).ToList(),
            offsets);
    }
}

/// <summary>Reads "prompt": a string, an array of strings, an array of token ids, or an array of such arrays.</summary>
internal sealed class CompletionPromptConverter : JsonConverter<CompletionPrompt>
{
    public override CompletionPrompt Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.String)
        {
            return new CompletionPrompt([root.GetString()!], null);
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("expected a string, an array of strings or an array of token ids");
        }

        var items = root.EnumerateArray().ToList();
        if (items.Count > 0 && items.All(e => e.ValueKind == JsonValueKind.Number))
        {
            return new CompletionPrompt(null, [items.Select(Id).ToArray()]);
        }

        if (items.All(e => e.ValueKind == JsonValueKind.String))
        {
            return new CompletionPrompt(items.Select(e => e.GetString()!).ToList(), null);
        }

        if (items.All(e => e.ValueKind == JsonValueKind.Array))
        {
            return new CompletionPrompt(null, items.Select(a => a.EnumerateArray().Select(Id).ToArray()).ToList());
        }

        throw new JsonException("expected a string, an array of strings or an array of token ids");
    }

    public override void Write(Utf8JsonWriter writer, CompletionPrompt value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.Texts is { Count: 1 })
        {
            writer.WriteStringValue(value.Texts[0]);
        }
        else
        {
            JsonSerializer.Serialize(writer, (object?)value.Texts ?? value.Tokens, options);
        }
    }

    private static int Id(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var id) && id >= 0 ? id : throw new JsonException("token ids must be non-negative integers");
}
