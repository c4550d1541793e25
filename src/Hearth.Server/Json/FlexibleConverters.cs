using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hearth.Server.Json;

/// <summary>Reads a field that may be one string or an array of strings ("stop", "input", "prompt") as a list.</summary>
internal sealed class StringListConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return [reader.GetString()!];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected a string or an array of strings");
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("expected a string or an array of strings");
            }

            list.Add(reader.GetString()!);
        }

        return list;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var s in value)
        {
            writer.WriteStringValue(s);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// Reads message content that is either a string or OpenAI's array of parts
/// ([{"type":"text","text":"..."}]); the text parts are joined. Other part types (images) are refused
/// by the mapping, not here, so the error can name the field.
/// </summary>
internal sealed class MessageContentConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartArray:
                var text = new StringBuilder();
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    foreach (var part in doc.RootElement.EnumerateArray())
                    {
                        if (part.ValueKind != JsonValueKind.Object
                            || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                        {
                            throw new JsonException("each content part must be an object with a \"type\"");
                        }

                        if (type.GetString() != "text" || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                        {
                            throw new JsonException($"content parts of type '{type.GetString()}' are not supported; only \"text\"");
                        }

                        text.Append(t.GetString());
                    }
                }

                return text.ToString();
            default:
                throw new JsonException("expected a string or an array of content parts");
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
