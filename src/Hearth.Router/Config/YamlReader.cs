using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hearth.Router.Config;

/// <summary>
/// Typed reads from YamlDotNet's representation model that never throw: each problem is added to
/// <see cref="Errors"/> with its path and the node's line:column, so one pass reports every error.
/// </summary>
internal sealed class YamlReader
{
    public List<ConfigError> Errors { get; } = [];

    public void Error(string path, YamlNode? node, string message) =>
        Errors.Add(new ConfigError(path, (int)(node?.Start.Line ?? 0), (int)(node?.Start.Column ?? 0), message));

    /// <summary>Calls <paramref name="read"/> for each known key; an unknown key is an error (a typo must not be silently ignored).</summary>
    public void Mapping(YamlNode node, string path, IReadOnlyDictionary<string, Action<YamlNode, string>> read)
    {
        if (node is not YamlMappingNode map)
        {
            Error(path, node, "expected a mapping (key: value pairs)");
            return;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            var child = path.Length == 0 ? key : path + "." + key;
            if (read.TryGetValue(key, out var handler))
            {
                handler(value, child);
            }
            else
            {
                Error(child, keyNode, $"unknown key '{key}' (known: {string.Join(", ", read.Keys)})");
            }
        }
    }

    public IEnumerable<(YamlNode Node, string Path)> Sequence(YamlNode node, string path)
    {
        if (node is not YamlSequenceNode seq)
        {
            Error(path, node, "expected a list");
            yield break;
        }

        for (var i = 0; i < seq.Children.Count; i++)
        {
            yield return (seq.Children[i], $"{path}[{i}]");
        }
    }

    public string? String(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { } v } && !IsNull(node))
        {
            return v;
        }

        Error(path, node, "expected a string");
        return null;
    }

    public List<string>? StringList(YamlNode node, string path)
    {
        var list = new List<string>();
        foreach (var (item, itemPath) in Sequence(node, path))
        {
            if (String(item, itemPath) is { Length: > 0 } s)
            {
                list.Add(s);
            }
        }

        return node is YamlSequenceNode ? list : null;
    }

    public int? Int(YamlNode node, string path, int min, int max)
    {
        if (node is YamlScalarNode { Value: { } v } && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            if (i >= min && i <= max)
            {
                return i;
            }

            Error(path, node, $"must be between {min} and {max}");
            return null;
        }

        Error(path, node, "expected an integer");
        return null;
    }

    public long? Long(YamlNode node, string path, long min)
    {
        if (node is YamlScalarNode { Value: { } v } && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min)
        {
            return i;
        }

        Error(path, node, $"expected an integer of at least {min}");
        return null;
    }

    public double? Double(YamlNode node, string path, double min, double max)
    {
        if (node is YamlScalarNode { Value: { } v } && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= min && d <= max)
        {
            return d;
        }

        Error(path, node, $"expected a number between {min} and {max}");
        return null;
    }

    public bool? Bool(YamlNode node, string path)
    {
        var v = (node as YamlScalarNode)?.Value;
        switch (v)
        {
            case "true" or "True" or "yes": return true;
            case "false" or "False" or "no": return false;
            default:
                Error(path, node, "expected true or false");
                return null;
        }
    }

    public TimeSpan? Duration(YamlNode node, string path, bool allowZero = false)
    {
        if (node is YamlScalarNode { Value: { } v } && Durations.TryParse(v, out var d) && (allowZero || d > TimeSpan.Zero))
        {
            return d;
        }

        Error(path, node, "expected a duration such as 500ms, 10s, 5m or 1h");
        return null;
    }

    public Uri? HttpUrl(YamlNode node, string path)
    {
        var s = (node as YamlScalarNode)?.Value;
        if (s is not null && Uri.TryCreate(s, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        Error(path, node, "not an absolute http(s) URL");
        return null;
    }

    /// <summary>A kebab- or snake-case word mapped to an enum member (<c>least-busy</c> → LeastBusy).</summary>
    public T? Enum<T>(YamlNode node, string path)
        where T : struct, Enum
    {
        var s = (node as YamlScalarNode)?.Value ?? string.Empty;
        var folded = s.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        if (folded.Length > 0 && System.Enum.TryParse<T>(folded, ignoreCase: true, out var value) && !int.TryParse(s, CultureInfo.InvariantCulture, out _))
        {
            return value;
        }

        var names = System.Enum.GetNames<T>().Select(Kebab);
        Error(path, node, $"'{s}' is not one of: {string.Join(", ", names)}");
        return null;
    }

    public static string Kebab(string pascal)
    {
        var chars = new System.Text.StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]) && !char.IsUpper(pascal[i - 1]))
            {
                chars.Append('-');
            }

            chars.Append(char.ToLowerInvariant(pascal[i]));
        }

        return chars.ToString();
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" };
}
