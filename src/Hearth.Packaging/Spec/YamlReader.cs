using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Hearth.Packaging.Spec;

/// <summary>
/// Reads typed values out of YamlDotNet's representation model and collects every problem with
/// its path and position instead of stopping at the first one. Callers get a best-effort value
/// (or null) back and carry on, so one run reports all errors of a file.
/// </summary>
internal sealed class YamlReader
{
    private readonly List<SpecError> errors = [];

    /// <summary>The node each mapping came from, so a missing key is reported where its mapping starts.</summary>
    private readonly Dictionary<Dictionary<string, YamlNode>, YamlNode> owners = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyList<SpecError> Errors => errors;

    public void Error(string path, YamlNode? node, string message) =>
        errors.Add(new SpecError(path, (int)(node?.Start.Line ?? 0), (int)(node?.Start.Column ?? 0), message));

    /// <summary>A mapping whose keys must all be in <paramref name="allowed"/>; unknown keys are errors (typos like <c>sha265</c> must not pass).</summary>
    public Dictionary<string, YamlNode>? Mapping(YamlNode? node, string path, IReadOnlyCollection<string>? allowed)
    {
        if (node is not YamlMappingNode mapping)
        {
            Error(path, node, "must be a mapping");
            return null;
        }

        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Error(path, keyNode, "keys must be plain strings");
                continue;
            }

            var childPath = Join(path, key);
            if (allowed is not null && !allowed.Contains(key))
            {
                var hint = allowed.OrderBy(a => Distance(a, key)).FirstOrDefault(a => Distance(a, key) <= 2);
                Error(childPath, keyNode, $"unknown key '{key}'" + (hint is null ? $"; expected one of {string.Join(", ", allowed)}" : $"; did you mean '{hint}'?"));
                continue;
            }

            result[key] = value;
        }

        owners[result] = node;
        return result;
    }

    public YamlSequenceNode? Sequence(YamlNode? node, string path)
    {
        if (node is YamlSequenceNode sequence)
        {
            return sequence;
        }

        Error(path, node, "must be a list");
        return null;
    }

    public string? String(Dictionary<string, YamlNode> map, string key, string path, bool required)
    {
        if (!map.TryGetValue(key, out var node))
        {
            if (required)
            {
                Error(Join(path, key), owners.GetValueOrDefault(map), "is required");
            }

            return null;
        }

        return Scalar(node, Join(path, key));
    }

    public string? Scalar(YamlNode node, string path)
    {
        if (node is YamlScalarNode { Value: { } value } && !(node.Tag.IsEmpty && value.Length == 0 && ((YamlScalarNode)node).Style == YamlDotNet.Core.ScalarStyle.Plain))
        {
            return value;
        }

        Error(path, node, node is YamlScalarNode ? "must not be empty" : "must be a string");
        return null;
    }

    public int? Int(Dictionary<string, YamlNode> map, string key, string path, int min, int max)
    {
        if (!map.TryGetValue(key, out var node))
        {
            return null;
        }

        var childPath = Join(path, key);
        if (node is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(childPath, node, $"must be between {min} and {max}");
            return null;
        }

        Error(childPath, node, "must be an integer");
        return null;
    }

    public double? Number(YamlNode node, string path, double min, double max)
    {
        if (node is YamlScalarNode { Value: { } text } &&
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(path, node, $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        Error(path, node, "must be a number");
        return null;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    public static string Index(string path, int index) => $"{path}[{index}]";

    /// <summary>Levenshtein distance, to suggest the key a typo meant.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
