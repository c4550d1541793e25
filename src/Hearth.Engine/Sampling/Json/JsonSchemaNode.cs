using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Engine.Sampling;

/// <summary>A JSON schema compiled for constrained decoding (<see cref="JsonSchemaConstraint"/>).</summary>
internal abstract record JsonSchemaNode
{
    /// <summary>Any JSON value.</summary>
    public static readonly JsonSchemaNode Any = new AnyNode();

    internal sealed record AnyNode : JsonSchemaNode;

    /// <summary>An object with these properties in this order (output follows it), none other.</summary>
    internal sealed record ObjectNode(IReadOnlyList<(byte[] Key, JsonSchemaNode Value)> Properties, ulong Required) : JsonSchemaNode;

    /// <summary>An object with any keys, whose values follow <see cref="Values"/>.</summary>
    internal sealed record MapNode(JsonSchemaNode Values) : JsonSchemaNode;

    internal sealed record ArrayNode(JsonSchemaNode Items, int MinItems, int MaxItems) : JsonSchemaNode;

    internal sealed record StringNode(int MinLength = 0, int MaxLength = int.MaxValue) : JsonSchemaNode;

    internal sealed record NumberNode(bool Integer) : JsonSchemaNode;

    /// <summary>One of these exact JSON texts (enum, const, true/false/null).</summary>
    internal sealed record LiteralsNode(IReadOnlyList<byte[]> Texts) : JsonSchemaNode;

    internal sealed record UnionNode(IReadOnlyList<JsonSchemaNode> Options) : JsonSchemaNode;
}

/// <summary>
/// Compiles the subset of JSON Schema that structured-output clients send (OpenAI <c>json_schema</c>, Ollama's
/// <c>format</c>, Pydantic models): <c>type</c> (one or a list), <c>properties</c> with <c>required</c> (other
/// properties are not generated, as in OpenAI's strict mode), <c>items</c> with <c>minItems</c>/<c>maxItems</c>,
/// <c>minLength</c>/<c>maxLength</c> of strings, <c>enum</c>, <c>const</c>, <c>anyOf</c>/<c>oneOf</c>, <c>$ref</c> into
/// <c>$defs</c>/<c>definitions</c> (recursion included). Keywords that only describe (<c>title</c>, <c>description</c>,
/// ...) are ignored; so are value limits the constraint cannot enforce (<c>pattern</c>, <c>format</c>, <c>minimum</c>,
/// ...), which the model must follow on its own. Invalid schemas throw <see cref="ArgumentException"/> naming the place.
/// </summary>
internal static class JsonSchemaCompiler
{
    // Required properties are tracked in one 64-bit mask.
    private const int MaxProperties = 64;

    public static JsonSchemaNode Compile(JsonNode schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var cache = new Dictionary<string, JsonSchemaNode>(StringComparer.Ordinal);
        return Node(schema, schema, "#", cache, depth: 0, bare: []);
    }

    /// <param name="bare">References entered since the last object or array: meeting one again is a cycle that would
    /// never produce a byte.</param>
    private static JsonSchemaNode Node(JsonNode? schema, JsonNode root, string path, Dictionary<string, JsonSchemaNode> cache, int depth, HashSet<string> bare)
    {
        if (depth > 64)
        {
            throw new ArgumentException($"schema nests too deeply at {path}");
        }

        if (schema is null || (schema.GetValueKind() == JsonValueKind.True))
        {
            return JsonSchemaNode.Any;
        }

        if (schema is not JsonObject obj)
        {
            throw new ArgumentException($"schema at {path} must be an object");
        }

        if (obj["$ref"] is JsonNode reference)
        {
            var target = (string?)reference ?? string.Empty;
            return Resolve(target, root, cache, depth, bare);
        }

        if (obj.ContainsKey("const"))
        {
            return new JsonSchemaNode.LiteralsNode([Text(obj["const"])]);
        }

        if (obj["enum"] is JsonNode values)
        {
            var texts = values is JsonArray { Count: > 0 } list ? list.Select(Text).ToList() : throw new ArgumentException($"'enum' at {path} must be a non-empty array");
            return new JsonSchemaNode.LiteralsNode(texts);
        }

        var union = obj["anyOf"] ?? obj["oneOf"];
        if (union is not null)
        {
            var options = union is JsonArray { Count: > 0 } list
                ? list.Select((o, i) => Node(o, root, $"{path}/anyOf/{i}", cache, depth + 1, [.. bare])).ToList()
                : throw new ArgumentException($"'anyOf' at {path} must be a non-empty array");
            return new JsonSchemaNode.UnionNode(options);
        }

        var type = obj["type"];
        if (type is JsonArray types)
        {
            return new JsonSchemaNode.UnionNode(types.Select(t => Typed((string?)t, obj, root, path, cache, depth)).ToList());
        }

        var name = type is null ? null : (string?)type;
        if (name is null)
        {
            name = obj.ContainsKey("properties") ? "object" : obj.ContainsKey("items") ? "array" : null;
        }

        return name is null ? JsonSchemaNode.Any : Typed(name, obj, root, path, cache, depth);
    }

    private static JsonSchemaNode Typed(string? type, JsonObject obj, JsonNode root, string path, Dictionary<string, JsonSchemaNode> cache, int depth)
    {
        switch (type)
        {
            case "string":
                return new JsonSchemaNode.StringNode(Count(obj, "minLength", path, 0), Count(obj, "maxLength", path, int.MaxValue));
            case "number":
                return new JsonSchemaNode.NumberNode(Integer: false);
            case "integer":
                return new JsonSchemaNode.NumberNode(Integer: true);
            case "boolean":
                return new JsonSchemaNode.LiteralsNode(["true"u8.ToArray(), "false"u8.ToArray()]);
            case "null":
                return new JsonSchemaNode.LiteralsNode(["null"u8.ToArray()]);
            case "array":
                var items = obj["items"];
                return new JsonSchemaNode.ArrayNode(
                    Node(items, root, path + "/items", cache, depth + 1, bare: []),
                    Count(obj, "minItems", path, 0),
                    Count(obj, "maxItems", path, int.MaxValue));
            case "object":
                return Object(obj, root, path, cache, depth);
            default:
                throw new ArgumentException($"unsupported type '{type}' at {path}");
        }
    }

    private static JsonSchemaNode Object(JsonObject obj, JsonNode root, string path, Dictionary<string, JsonSchemaNode> cache, int depth)
    {
        if (obj["properties"] is not JsonObject properties || properties.Count == 0)
        {
            var additional = obj["additionalProperties"];
            return new JsonSchemaNode.MapNode(additional is JsonObject
                ? Node(additional, root, path + "/additionalProperties", cache, depth + 1, bare: [])
                : JsonSchemaNode.Any);
        }

        if (properties.Count > MaxProperties)
        {
            throw new ArgumentException($"object at {path} has {properties.Count} properties; at most {MaxProperties} are supported");
        }

        var required = obj["required"] is JsonArray list ? list.Select(r => (string?)r).ToHashSet(StringComparer.Ordinal) : [];
        var entries = new List<(byte[], JsonSchemaNode)>();
        var mask = 0UL;
        foreach (var (key, value) in properties)
        {
            if (required.Contains(key))
            {
                mask |= 1UL << entries.Count;
            }

            entries.Add((Encoding.UTF8.GetBytes(JsonSerializer.Serialize(key, Relaxed)), Node(value, root, $"{path}/properties/{key}", cache, depth + 1, bare: [])));
        }

        return new JsonSchemaNode.ObjectNode(entries, mask);
    }

    private static JsonSchemaNode Resolve(string reference, JsonNode root, Dictionary<string, JsonSchemaNode> cache, int depth, HashSet<string> bare)
    {
        if (!bare.Add(reference))
        {
            throw new ArgumentException($"$ref '{reference}' refers back to itself without an object or array in between");
        }

        if (cache.TryGetValue(reference, out var known))
        {
            return known;
        }

        const string Prefix = "#/";
        if (reference != "#" && !reference.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"unsupported $ref '{reference}' (only references into this schema, like #/$defs/Name)");
        }

        JsonNode? target = root;
        foreach (var part in reference == "#" ? [] : reference[Prefix.Length..].Split('/'))
        {
            // Array steps (#/anyOf/0/...) occur where a schema is embedded in a larger one (a tool-call envelope).
            target = target switch
            {
                JsonObject o => o[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)],
                JsonArray a when int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < a.Count => a[index],
                _ => null,
            };
        }

        if (target is null)
        {
            throw new ArgumentException($"$ref '{reference}' points at nothing");
        }

        // Recursive schemas (a tree whose children are trees) refer to themselves: a placeholder union, filled with its
        // one option once built, breaks the cycle.
        var options = new List<JsonSchemaNode>(1);
        var placeholder = new JsonSchemaNode.UnionNode(options);
        cache[reference] = placeholder;
        options.Add(Node(target, root, reference, cache, depth + 1, bare));
        return placeholder;
    }

    private static int Count(JsonObject obj, string name, string path, int fallback) =>
        obj[name] is JsonNode n
            ? n.GetValueKind() == JsonValueKind.Number && (int)n >= 0 ? (int)n : throw new ArgumentException($"'{name}' at {path} must be a non-negative integer")
            : fallback;

    /// <summary>Keys and enum texts as a model writes them: non-ASCII characters as themselves, not \u escapes.</summary>
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static byte[] Text(JsonNode? value) => Encoding.UTF8.GetBytes(value?.ToJsonString(Relaxed) ?? "null");
}
