using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Hearth.Packaging.Spec;

/// <summary>What an aikitfile import did with each field.</summary>
public sealed record ImportReport(IReadOnlyList<string> Mapped, IReadOnlyList<string> Ignored);

/// <summary>
/// Converts AIKit's inference aikitfile (<c>apiVersion: v1alpha1</c>: <c>models[].name/source/sha256/promptTemplates</c>,
/// <c>config</c> with LocalAI model settings) into a <c>hearth.pack.yaml</c>, reporting which fields were
/// mapped and which ignored. The result then goes through the normal strict validation; problems
/// in the aikitfile itself (a missing sha256, an unpinned hub file) are reported with its own lines.
/// </summary>
public static partial class AikitImporter
{
    public const string ApiVersion = "v1alpha1";

    private static readonly string[] ModelKeys = ["name", "source", "sha256", "promptTemplates"];

    /// <summary>LocalAI <c>parameters:</c> keys and the Hearth parameter each becomes.</summary>
    private static readonly Dictionary<string, string> ParameterMap = new(StringComparer.Ordinal)
    {
        ["temperature"] = "temperature",
        ["top_p"] = "top_p",
        ["top_k"] = "top_k",
        ["seed"] = "seed",
        ["max_tokens"] = "max_tokens",
    };

    [GeneratedRegex("^https://(huggingface\\.co|hf\\.co)/([^/]+)/([^/]+)/(resolve|blob)/([^/]+)/(.+)$")]
    private static partial Regex HubUrl();

    public static bool IsAikitfile(string path)
    {
        using var reader = new StreamReader(path);
        return SpecParser.LoadRoot(reader, path) is YamlMappingNode map &&
               map.Children.TryGetValue(new YamlScalarNode("apiVersion"), out var v) && v is YamlScalarNode { Value: ApiVersion };
    }

    /// <summary>Returns the converted spec as YAML text plus the report; throws <see cref="SpecValidationException"/> with the aikitfile's lines.</summary>
    public static (string SpecYaml, ImportReport Report) Convert(string path)
    {
        using var reader = new StreamReader(path);
        var root = SpecParser.LoadRoot(reader, path);
        var r = new YamlReader();
        var mapped = new List<string>();
        var ignored = new List<string>();
        var top = r.Mapping(root, "", null) ?? [];
        var models = new YamlSequenceNode();
        var parameters = ReadConfig(r, top, mapped, ignored);
        if (top.TryGetValue("models", out var modelsNode) && r.Sequence(modelsNode, "models") is { } list)
        {
            for (var i = 0; i < list.Children.Count; i++)
            {
                if (ConvertModel(r, list.Children[i], YamlReader.Index("models", i), parameters, mapped, ignored) is { } model)
                {
                    models.Add(model);
                }
            }
        }
        else
        {
            r.Error("models", null, "an inference aikitfile lists its models under models:");
        }

        foreach (var key in top.Keys.Where(k => k is not ("apiVersion" or "models" or "config")))
        {
            ignored.Add($"{key} (AIKit build option; Hearth images have no backends/runtime/debug switches)");
        }

        if (r.Errors.Count > 0)
        {
            throw new SpecValidationException(path, [.. r.Errors.OrderBy(e => e.Line)]);
        }

        mapped.Add("apiVersion v1alpha1 → hearth.dev/v1");
        var firstName = models.Children.OfType<YamlMappingNode>().Select(m => ((YamlScalarNode)m.Children[new YamlScalarNode("name")]).Value).FirstOrDefault() ?? "model";
        var spec = new YamlMappingNode
        {
            { "apiVersion", PackSpec.CurrentApiVersion },
            { "name", firstName! },
            { "models", models },
        };
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(spec)).Save(writer, assignAnchors: false);
        var text = writer.ToString().TrimEnd('.', '\n', '\r') + "\n";
        return (text, new ImportReport(mapped, ignored));
    }

    private static YamlMappingNode? ConvertModel(YamlReader r, YamlNode node, string path, Dictionary<string, Dictionary<string, string>> parameters,
        List<string> mapped, List<string> ignored)
    {
        var map = r.Mapping(node, path, ModelKeys);
        if (map is null)
        {
            return null;
        }

        var name = r.String(map, "name", path, required: true);
        var source = r.String(map, "source", path, required: true);
        var sha = r.String(map, "sha256", path, required: false);
        if (sha is null)
        {
            // AIKit checks sha256 only for https sources and only when given; Hearth needs it for every source.
            r.Error(path + ".sha256", node, "is required for every source (AIKit made it optional; Hearth checks every file)");
        }

        if (source is not null)
        {
            source = ConvertSource(r, source, path + ".source", map["source"], mapped);
        }

        if (map.ContainsKey("promptTemplates"))
        {
            ignored.Add($"{path}.promptTemplates (Go text/template prompts; Hearth uses the GGUF's Jinja chat template, or a `template:` file)");
        }

        if (name is null || source is null || sha is null)
        {
            return null;
        }

        var hearthName = name.ToLowerInvariant();
        mapped.Add($"{path}.name/source/sha256 → models[].name/source/sha256");
        var model = new YamlMappingNode { { "name", hearthName }, { "source", source }, { "sha256", sha } };
        if (parameters.TryGetValue(name, out var values) && values.Count > 0)
        {
            var p = new YamlMappingNode();
            foreach (var (k, v) in values)
            {
                p.Add(k, v);
            }

            model.Add("parameters", p);
        }

        return model;
    }

    private static string? ConvertSource(YamlReader r, string source, string path, YamlNode node, List<string> mapped)
    {
        if (HubUrl().Match(source) is { Success: true } m)
        {
            var revision = m.Groups[5].Value;
            if (revision.Length == 40 && revision.All(char.IsAsciiHexDigit))
            {
                var converted = $"hf.co/{m.Groups[2].Value}/{m.Groups[3].Value}@{revision}:{m.Groups[6].Value}";
                mapped.Add($"{path} {source} → {converted}");
                return converted;
            }

            r.Error(path, node, $"the Hugging Face URL names '{revision}', a branch: pin it to a 40-hex commit (…/resolve/<commit>/file)");
            return null;
        }

        if (source.StartsWith("huggingface://", StringComparison.OrdinalIgnoreCase))
        {
            r.Error(path, node, "huggingface:// names no commit: write hf.co/owner/repo@<40-hex commit>:file");
            return null;
        }

        return source;
    }

    /// <summary>AIKit's <c>config:</c> is LocalAI YAML inside a string: a list of models with <c>parameters</c> and <c>context_size</c>.</summary>
    private static Dictionary<string, Dictionary<string, string>> ReadConfig(YamlReader r, Dictionary<string, YamlNode> top, List<string> mapped, List<string> ignored)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        if (!top.TryGetValue("config", out var node) || r.Scalar(node, "config") is not { } text)
        {
            return result;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            r.Error("config", node, "not valid LocalAI YAML: " + ex.Message);
            return result;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlSequenceNode entries)
        {
            ignored.Add("config (not a list of LocalAI model settings)");
            return result;
        }

        foreach (var entry in entries.OfType<YamlMappingNode>())
        {
            var name = entry.Children.TryGetValue(new YamlScalarNode("name"), out var n) ? ((YamlScalarNode)n).Value ?? "" : "";
            var values = result[name] = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in entry.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value;
                if (key == "name")
                {
                    continue;
                }

                if (key == "context_size" && value is YamlScalarNode { Value: { } ctx })
                {
                    values["ctx"] = ctx;
                    mapped.Add($"config[{name}].context_size → parameters.ctx");
                }
                else if (key == "parameters" && value is YamlMappingNode ps)
                {
                    foreach (var (pk, pv) in ps.Children)
                    {
                        var pkey = ((YamlScalarNode)pk).Value ?? "";
                        if (ParameterMap.TryGetValue(pkey, out var hearthKey) && pv is YamlScalarNode { Value: { } pval })
                        {
                            values[hearthKey] = pval;
                            mapped.Add($"config[{name}].parameters.{pkey} → parameters.{hearthKey}");
                        }
                        else
                        {
                            ignored.Add($"config[{name}].parameters.{pkey} (" + (pkey == "model" ? "the file is the model's source" : "no Hearth equivalent") + ")");
                        }
                    }
                }
                else
                {
                    ignored.Add($"config[{name}].{key} (LocalAI setting with no Hearth equivalent)");
                }
            }
        }

        return result;
    }
}
