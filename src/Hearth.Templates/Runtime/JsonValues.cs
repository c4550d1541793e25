using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>
/// Converts System.Text.Json nodes into template values, and template values into JSON text the way
/// HF transformers' <c>tojson</c> does: <c>json.dumps(x, ensure_ascii=False, indent=..., separators=...,
/// sort_keys=...)</c>: key order kept, ", " and ": " separators (", " becomes "," when indenting),
/// non-ASCII characters unescaped, no HTML escaping.
/// </summary>
internal static class JsonValues
{
    private const int MaxNesting = 256;

    public static object? FromJson(JsonNode? node) => node switch
    {
        null => null,
        JsonArray array => array.Select(FromJson).ToList(),
        JsonObject obj => ToDict(obj),
        JsonValue value => FromJsonValue(value),
        _ => null,
    };

    private static Dict ToDict(JsonObject obj)
    {
        var dict = new Dict();
        foreach (var pair in obj)
        {
            dict[pair.Key] = FromJson(pair.Value);
        }

        return dict;
    }

    private static object? FromJsonValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return value.GetValue<string>();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out var l))
                {
                    return l;
                }

                if (value.TryGetValue<int>(out var i))
                {
                    return (long)i;
                }

                if (value.TryGetValue<JsonElement>(out var element) && element.TryGetInt64(out var el))
                {
                    return el;
                }

                return value.TryGetValue<double>(out var d) ? d : (object)Convert.ToDouble(value.ToString(), CultureInfo.InvariantCulture);
            default:
                return null;
        }
    }

    public static string ToJson(object? value, string? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        var sb = new StringBuilder();
        Write(sb, value, indent, itemSeparator, keySeparator, sortKeys, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, string? indent, string itemSep, string keySep, bool sortKeys, int depth)
    {
        if (depth > MaxNesting)
        {
            throw new JinjaError("value nests too deeply for tojson (is it recursive?)");
        }

        switch (value)
        {
            case null or Undefined:
                sb.Append("null");
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : ValueText.FormatFloat(d));
                break;
            case string s:
                WriteString(sb, s);
                break;
            case IList<object?> list:
                WriteContainer(sb, '[', ']', list.Count, indent, itemSep, depth, i => Write(sb, list[i], indent, itemSep, keySep, sortKeys, depth + 1));
                break;
            case Dict dict:
                var pairs = dict.Select(p => (Key: KeyString(p.Key), p.Value)).ToList();
                if (sortKeys)
                {
                    pairs.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
                }

                WriteContainer(sb, '{', '}', pairs.Count, indent, itemSep, depth, i =>
                {
                    WriteString(sb, pairs[i].Key);
                    sb.Append(keySep);
                    Write(sb, pairs[i].Value, indent, itemSep, keySep, sortKeys, depth + 1);
                });
                break;
            case NamespaceValue ns:
                var nsDict = new Dict();
                foreach (var pair in ns.Attributes)
                {
                    nsDict[pair.Key] = pair.Value;
                }

                Write(sb, nsDict, indent, itemSep, keySep, sortKeys, depth);
                break;
            default:
                throw new JinjaError($"Object of type {ValueText.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteContainer(StringBuilder sb, char open, char close, int count, string? indent, string itemSep, int depth, Action<int> writeItem)
    {
        sb.Append(open);
        if (count == 0)
        {
            sb.Append(close);
            return;
        }

        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.Append(itemSep);
            }

            if (indent is not null)
            {
                sb.Append('\n');
                for (var level = 0; level <= depth; level++)
                {
                    sb.Append(indent);
                }
            }

            writeItem(i);
        }

        if (indent is not null)
        {
            sb.Append('\n');
            for (var level = 0; level < depth; level++)
            {
                sb.Append(indent);
            }
        }

        sb.Append(close);
    }

    /// <summary>Python's json key coercion: str as is, True -> "true", None -> "null", numbers via repr.</summary>
    private static string KeyString(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => ValueText.FormatFloat(d),
        _ => throw new JinjaError($"keys must be str, int, float, bool or None, not {ValueText.TypeName(key)}"),
    };

    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
