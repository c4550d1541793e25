using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hearth.Server.Errors;
using Hearth.Server.Inference;
using Hearth.Server.Json;

namespace Hearth.Server.Ollama;

/// <summary>Ollama's per-request "options" (the runtime parameters Hearth honours; others are ignored).</summary>
internal sealed record OllamaOptions
{
    public int? NumPredict { get; init; }

    public float? Temperature { get; init; }

    public int? TopK { get; init; }

    public float? TopP { get; init; }

    public float? MinP { get; init; }

    public float? TypicalP { get; init; }

    public float? RepeatPenalty { get; init; }

    public int? RepeatLastN { get; init; }

    public float? PresencePenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public long? Seed { get; init; }

    [JsonConverter(typeof(StringListConverter))]
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Accepted for compatibility; the server sizes contexts at start-up (--ctx).</summary>
    public int? NumCtx { get; init; }
}

/// <summary>Ollama's defaults and ranges mapped to the scheduler's parameters.</summary>
internal static class OllamaMapping
{
    /// <summary>Validates <paramref name="o"/> and fills what it leaves out from the model's <paramref name="defaults"/>, then Ollama's.</summary>
    public static GenerationParameters Map(OllamaOptions? o, ModelDefaults? defaults = null)
    {
        o ??= new OllamaOptions();
        Check(o.Temperature is null or >= 0, "options.temperature", "must not be negative");
        Check(o.TopP is null or (>= 0 and <= 1), "options.top_p", "must be between 0 and 1");
        Check(o.MinP is null or (>= 0 and <= 1), "options.min_p", "must be between 0 and 1");
        Check(o.TopK is null or >= 0, "options.top_k", "must not be negative");
        Check(o.NumPredict is null or (>= -2 and not 0), "options.num_predict", "must be positive, -1 (no limit) or -2 (fill the context)");

        // Ollama's documented defaults (api.md "Valid parameters"): temperature 0.8, top_k 40, top_p 0.9, repeat_penalty 1.1.
        // A model's defaults (a pack spec's parameters) come before them, the request's options before both.
        var d = defaults ?? new ModelDefaults();
        return new GenerationParameters
        {
            Sampling = new SamplingParameters
            {
                Temperature = o.Temperature ?? d.Temperature ?? 0.8f,
                TopK = o.TopK ?? d.TopK ?? 40,
                TopP = o.TopP ?? d.TopP ?? 0.9f,
                MinP = o.MinP ?? d.MinP ?? 0f,
                TypicalP = o.TypicalP ?? 1f,
                RepeatPenalty = o.RepeatPenalty ?? d.RepeatPenalty ?? 1.1f,
                RepeatLastN = o.RepeatLastN ?? 64,
                PresencePenalty = o.PresencePenalty ?? d.PresencePenalty ?? 0f,
                FrequencyPenalty = o.FrequencyPenalty ?? d.FrequencyPenalty ?? 0f,
                Seed = (o.Seed ?? d.Seed) is long s and >= 0 ? (ulong)s : null,
            },
            // num_predict -1/-2 in the request means "no limit" and so also overrides a default max_tokens.
            MaxTokens = o.NumPredict is int n ? (n > 0 ? n : null) : d.MaxTokens,
            Stop = o.Stop ?? [],
        };
    }

    /// <summary>Ollama's <c>format</c>: absent or "" for text, "json" for JSON mode, or a JSON schema (structured output).</summary>
    public static Func<Hearth.Engine.Sampling.IJsonConstraint>? JsonFormat(System.Text.Json.Nodes.JsonNode? format)
    {
        if (format is null)
        {
            return null;
        }

        if (format.GetValueKind() == System.Text.Json.JsonValueKind.Object)
        {
            return JsonSchemas.Factory(format, "format");
        }

        var value = format.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)format : null;
        Check(value is "" or "json", "format", "must be \"json\", a JSON schema, or empty");
        return value == "json" ? () => new Hearth.Engine.Sampling.JsonObjectConstraint() : null;
    }

    public static void Check(bool ok, string param, string message)
    {
        if (!ok)
        {
            throw ApiException.BadRequest($"'{param}' {message}.", param);
        }
    }

    public static string DoneReason(FinishReason reason) => reason == FinishReason.Length ? "length" : "stop";

    public static long Nanoseconds(TimeSpan t) => t.Ticks * 100;
}

/// <summary>
/// Reads Ollama's keep_alive: a number of seconds or a Go duration string ("5m", "1h30m", "300ms");
/// negative keeps the model loaded forever, zero unloads it after the request.
/// </summary>
internal sealed class KeepAliveConverter : JsonConverter<TimeSpan?>
{
    public override bool HandleNull => true;

    public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => TimeSpan.FromSeconds(reader.GetDouble()),
        JsonTokenType.String => Parse(reader.GetString()!),
        _ => throw new JsonException("expected a duration such as \"5m\" or a number of seconds"),
    };

    public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is TimeSpan t)
        {
            writer.WriteStringValue(t.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s");
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    public static TimeSpan Parse(string text)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var negative = text.StartsWith('-');
        var rest = negative ? text[1..] : text;
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < rest.Length)
        {
            var start = i;
            while (i < rest.Length && (char.IsAsciiDigit(rest[i]) || rest[i] == '.'))
            {
                i++;
            }

            var unitStart = i;
            while (i < rest.Length && char.IsAsciiLetter(rest[i]))
            {
                i++;
            }

            if (start == unitStart || !double.TryParse(rest.AsSpan(start, unitStart - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new JsonException($"'{text}' is not a duration such as \"5m\" or \"1h30m\"");
            }

            total += rest[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                "us" or "µs" => TimeSpan.FromMicroseconds(value),
                "ns" => TimeSpan.FromTicks((long)(value / 100)),
                _ => throw new JsonException($"'{text}' has an unknown duration unit"),
            };
        }

        return negative ? -total : total;
    }
}
