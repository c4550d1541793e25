using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Hearth.Router.Caching;

/// <summary>
/// The exact-match cache key of a request: SHA-256 over the route and a canonical form of the body
/// (object members sorted by name at every depth, numbers written in shortest round-trip form,
/// whitespace dropped), so two requests that differ only in member order or spacing share an entry.
/// </summary>
/// <remarks>
/// Every member takes part except <c>cache</c> (the switch itself) and <c>user</c> (a caller label that
/// does not change the output). <c>stream</c> and <c>stream_options</c> do take part: the cache stores
/// the bytes the client received, so a streamed request is replayed as the same SSE/NDJSON stream and a
/// plain request gets the plain JSON document; the two never answer each other.
/// Only deterministic requests are cacheable: embeddings always; generation when the temperature is 0
/// or a seed is fixed (top level, or in Ollama's <c>options</c>). An absent temperature means the
/// server's default, which is above 0 for OpenAI and Ollama alike.
/// </remarks>
public static class CacheKey
{
    public static string? For(string route, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(route);
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!JsonDocument.TryParseValue(ref reader, out var parsed))
            {
                return null;
            }

            document = parsed;
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || (root.TryGetProperty("cache", out var cache) && cache.ValueKind == JsonValueKind.False)
                || !IsDeterministic(route, root))
            {
                return null;
            }

            var buffer = new ArrayBufferWriter<byte>(body.Length + 64);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartArray();
                writer.WriteStringValue(route);
                WriteCanonical(writer, root, topLevel: true);
                writer.WriteEndArray();
            }

            return "hc:" + Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
        }
    }

    private static bool IsDeterministic(string route, JsonElement root)
    {
        if (route.Contains("embed", StringComparison.Ordinal))
        {
            return true;
        }

        return Fixed(root) || (root.TryGetProperty("options", out var options) && options.ValueKind == JsonValueKind.Object && Fixed(options));

        static bool Fixed(JsonElement e) =>
            (e.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number && t.GetDouble() == 0)
            || (e.TryGetProperty("seed", out var s) && s.ValueKind == JsonValueKind.Number);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element, bool topLevel = false)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var members = element.EnumerateObject()
                    .Where(p => !topLevel || (p.Name != "cache" && p.Name != "user"))
                    .OrderBy(p => p.Name, StringComparer.Ordinal);
                foreach (var member in members)
                {
                    writer.WritePropertyName(member.Name);
                    WriteCanonical(writer, member.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // 1, 1.0 and 1e0 are one number; doubles print in shortest round-trip form.
                if (element.TryGetInt64(out var whole))
                {
                    writer.WriteNumberValue(whole);
                }
                else
                {
                    var d = element.GetDouble();
                    if (d == Math.Floor(d) && Math.Abs(d) < 1e15)
                    {
                        writer.WriteNumberValue((long)d);
                    }
                    else
                    {
                        writer.WriteNumberValue(d);
                    }
                }

                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
