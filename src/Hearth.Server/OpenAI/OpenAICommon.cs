using System.Globalization;
using System.Text;
using Hearth.Server.Errors;
using Hearth.Server.Inference;

namespace Hearth.Server.OpenAI;

/// <summary>Usage block of every OpenAI response.</summary>
internal sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails? PromptTokensDetails)
{
    public static Usage From(GenerationUsage u) =>
        new(u.PromptTokens, u.CompletionTokens, u.PromptTokens + u.CompletionTokens, new PromptTokensDetails(u.CachedPromptTokens));
}

internal sealed record PromptTokensDetails(int CachedTokens);

internal sealed record StreamOptions(bool? IncludeUsage);

/// <summary>The sampling fields chat and legacy completions share, with OpenAI's ranges and defaults.</summary>
internal static class OpenAISampling
{
    public static GenerationParameters Map(
        float? temperature,
        float? topP,
        int? maxTokens,
        string maxTokensParam,
        IReadOnlyList<string>? stop,
        long? seed,
        float? presencePenalty,
        float? frequencyPenalty,
        IReadOnlyDictionary<string, float>? logitBias,
        int? topLogprobs,
        int? n,
        ModelDefaults? defaults = null)
    {
        Check(temperature is null or (>= 0 and <= 2), "temperature", "must be between 0 and 2");
        Check(topP is null or (> 0 and <= 1), "top_p", "must be greater than 0 and at most 1");
        Check(maxTokens is null or > 0, maxTokensParam, "must be a positive integer");
        Check(presencePenalty is null or (>= -2 and <= 2), "presence_penalty", "must be between -2 and 2");
        Check(frequencyPenalty is null or (>= -2 and <= 2), "frequency_penalty", "must be between -2 and 2");
        Check(n is null or 1, "n", "only n = 1 is supported");
        Check(stop is null || stop.Count <= 4, "stop", "at most 4 stop sequences are allowed");
        Check(topLogprobs is null or (>= 0 and <= Logprobs.MaxTop), "top_logprobs", $"must be between 0 and {Logprobs.MaxTop}");
        return new GenerationParameters
        {
            Sampling = new SamplingParameters
            {
                // OpenAI semantics: temperature and nucleus only; the llama-style filters stay off unless the
                // model's defaults (a pack spec's parameters) turn them on. The request's value always wins.
                Temperature = temperature ?? defaults?.Temperature ?? 1f,
                TopP = topP ?? defaults?.TopP ?? 1f,
                TopK = defaults?.TopK ?? 0,
                MinP = defaults?.MinP ?? 0,
                RepeatPenalty = defaults?.RepeatPenalty ?? 1f,
                PresencePenalty = presencePenalty ?? defaults?.PresencePenalty ?? 0,
                FrequencyPenalty = frequencyPenalty ?? defaults?.FrequencyPenalty ?? 0,
                LogitBias = LogitBias(logitBias),
                Seed = (seed ?? defaults?.Seed) is long s ? unchecked((ulong)s) : null,
            },
            MaxTokens = maxTokens ?? defaults?.MaxTokens,
            Stop = stop ?? [],
            TopLogprobs = topLogprobs,
        };
    }

    private static Dictionary<int, float>? LogitBias(IReadOnlyDictionary<string, float>? bias)
    {
        if (bias is null)
        {
            return null;
        }

        var map = new Dictionary<int, float>(bias.Count);
        foreach (var (key, value) in bias)
        {
            Check(int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id), "logit_bias", $"key '{key}' is not a token id");
            Check(value is >= -100 and <= 100, "logit_bias", $"bias for token {key} must be between -100 and 100");
            map[id] = value;
        }

        return map;
    }

    public static void Check(bool ok, string param, string message)
    {
        if (!ok)
        {
            throw ApiException.BadRequest($"'{param}' {message}.", param);
        }
    }

    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    public static string? FinishReason(FinishReason reason) => reason switch
    {
        Inference.FinishReason.Stop => "stop",
        Inference.FinishReason.Length => "length",
        _ => null,
    };

    public static int[] Utf8(string token) => Encoding.UTF8.GetBytes(token).Select(b => (int)b).ToArray();
}
