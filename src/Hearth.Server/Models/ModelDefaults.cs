using System.Globalization;
using System.Text.Json;

namespace Hearth.Server;

/// <summary>
/// Per-model serving defaults (<c>hearth serve --model-defaults NAME=FILE</c>; a packed image passes the
/// <c>parameters</c> of its spec this way). A request's own value always wins; a default wins over the
/// API's built-in one (OpenAI's temperature 1, Ollama's 0.8, …); <see cref="ContextLength"/> sizes the
/// model's context when it loads, over <c>--ctx</c>. Null = no default for that setting.
/// </summary>
public sealed record ModelDefaults
{
    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public float? MinP { get; init; }

    public int? TopK { get; init; }

    public float? RepeatPenalty { get; init; }

    public float? PresencePenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public long? Seed { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>Context per sequence in tokens, used at load instead of <see cref="ServerOptions.ContextLength"/>.</summary>
    public int? ContextLength { get; init; }

    /// <summary>The JSON keys, with their ranges: the same names and ranges as a pack spec's <c>models[].parameters</c>.</summary>
    public static IReadOnlyDictionary<string, (double Min, double Max, bool Integer)> Ranges { get; } =
        new Dictionary<string, (double, double, bool)>(StringComparer.Ordinal)
        {
            ["temperature"] = (0, 2, false),
            ["top_p"] = (0, 1, false),
            ["min_p"] = (0, 1, false),
            ["top_k"] = (0, 100_000, true),
            ["repeat_penalty"] = (0, 10, false),
            ["presence_penalty"] = (-2, 2, false),
            ["frequency_penalty"] = (-2, 2, false),
            ["seed"] = (0, int.MaxValue, true),
            ["max_tokens"] = (1, 1 << 20, true),
            ["ctx"] = (16, 1 << 20, true),
        };

    /// <summary>Reads a JSON object of defaults; every unknown key, non-number or out-of-range value is an error naming <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException">The document is not such an object.</exception>
    public static ModelDefaults Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--model-defaults {source}: not JSON: {e.Message}", "--model-defaults", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"--model-defaults {source}: must be a JSON object such as {{\"temperature\": 0.7}}", "--model-defaults");
            }

            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            var errors = new List<string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!Ranges.TryGetValue(property.Name, out var range))
                {
                    errors.Add($"unknown key '{property.Name}' (known: {string.Join(", ", Ranges.Keys)})");
                }
                else if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out var value))
                {
                    errors.Add($"'{property.Name}' must be a number");
                }
                else if (value < range.Min || value > range.Max || (range.Integer && value != Math.Floor(value)))
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"'{property.Name}' must be {(range.Integer ? "an integer " : "")}between {range.Min} and {range.Max}"));
                }
                else
                {
                    values[property.Name] = value;
                }
            }

            if (errors.Count > 0)
            {
                throw new ArgumentException($"--model-defaults {source}: {string.Join("; ", errors)}", "--model-defaults");
            }

            float? F(string key) => values.TryGetValue(key, out var v) ? (float)v : null;
            int? I(string key) => values.TryGetValue(key, out var v) ? (int)v : null;
            return new ModelDefaults
            {
                Temperature = F("temperature"),
                TopP = F("top_p"),
                MinP = F("min_p"),
                TopK = I("top_k"),
                RepeatPenalty = F("repeat_penalty"),
                PresencePenalty = F("presence_penalty"),
                FrequencyPenalty = F("frequency_penalty"),
                Seed = I("seed"),
                MaxTokens = I("max_tokens"),
                ContextLength = I("ctx"),
            };
        }
    }
}
