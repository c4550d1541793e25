using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Packaging.Oci;

/// <summary>
/// Canonical JSON for configs, manifests and indexes: object keys sorted (ordinal), no
/// insignificant whitespace, UTF-8. The same document always gives the same bytes and so the same
/// digest, whatever order the code built it in. The bytes returned are exactly what is hashed and pushed.
/// </summary>
public static class CanonicalJson
{
    public static byte[] Serialize(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            Write(writer, node);
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
