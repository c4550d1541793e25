using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hearth.Packaging.Spec;

/// <summary>
/// Binds <c>hearth.pack.yaml</c> to <see cref="PackSpec"/>. Validation is strict (unknown keys are
/// errors) and complete: every problem is collected with its path and line:column and thrown
/// together as one <see cref="SpecValidationException"/>.
/// </summary>
public static partial class SpecParser
{
    public const string ApiKeyVariable = "HEARTH_API_KEY";

    internal static readonly string[] TopKeys = ["apiVersion", "name", "models", "platforms", "runtime", "serve", "labels"];
    internal static readonly string[] ModelKeys = ["name", "source", "sha256", "template", "parameters", "license"];
    internal static readonly string[] RuntimeKeys = ["image"];
    internal static readonly string[] ServeKeys = ["port", "parallel", "api_key_env", "ctx"];

    /// <summary>Sampling defaults a model may carry, with their valid ranges (kept in the image's serve config).</summary>
    internal static readonly Dictionary<string, (double Min, double Max, bool Integer)> ParameterRanges = new(StringComparer.Ordinal)
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

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,127}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvPattern();

    [GeneratedRegex("^[a-z0-9]+([._-][a-z0-9]+)*$")]
    private static partial Regex LabelKeyPart();

    public static PackSpec ParseFile(string path)
    {
        var full = Path.GetFullPath(path);
        using var reader = new StreamReader(full);
        return Parse(reader, full, Path.GetDirectoryName(full)!);
    }

    public static PackSpec Parse(TextReader text, string fileName, string baseDirectory)
    {
        var root = LoadRoot(text, fileName);
        var r = new YamlReader();
        var spec = Read(r, root, baseDirectory);
        if (r.Errors.Count > 0 || spec is null)
        {
            throw new SpecValidationException(fileName, [.. r.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        return spec;
    }

    /// <summary>The document's root node; YAML syntax errors (and duplicate keys) are reported with their position.</summary>
    internal static YamlNode LoadRoot(TextReader text, string fileName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(text);
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            throw new SpecValidationException(fileName, [new SpecError("(yaml)", (int)ex.Start.Line, (int)ex.Start.Column, message)]);
        }
        catch (ArgumentException ex)
        {
            // YamlMappingNode adds children to a dictionary: a duplicated key surfaces here.
            throw new SpecValidationException(fileName, [new SpecError("(yaml)", 0, 0, "duplicate key: " + ex.Message)]);
        }

        if (stream.Documents.Count != 1)
        {
            throw new SpecValidationException(fileName, [new SpecError("(yaml)", 1, 1, $"expected exactly one YAML document, found {stream.Documents.Count}")]);
        }

        return stream.Documents[0].RootNode;
    }

    private static PackSpec? Read(YamlReader r, YamlNode root, string baseDirectory)
    {
        var top = r.Mapping(root, "", TopKeys);
        if (top is null)
        {
            return null;
        }

        var apiVersion = r.String(top, "apiVersion", "", required: true);
        if (apiVersion is not null && apiVersion != PackSpec.CurrentApiVersion)
        {
            r.Error("apiVersion", top["apiVersion"], apiVersion == "v1alpha1"
                ? "this is an AIKit aikitfile: `hearth pack build` imports it, or convert it with `hearth pack import`"
                : $"must be {PackSpec.CurrentApiVersion}");
        }

        var name = CheckName(r, top, "name", "");
        var models = ReadModels(r, top, baseDirectory);
        var platforms = ReadPlatforms(r, top);
        var runtime = ReadRuntime(r, top);
        var serve = ReadServe(r, top);
        var labels = ReadLabels(r, top);
        return name is null ? null : new PackSpec(apiVersion ?? "", name, models, platforms, runtime, serve, labels, baseDirectory);
    }

    private static string? CheckName(YamlReader r, Dictionary<string, YamlNode> map, string key, string path)
    {
        var name = r.String(map, key, path, required: true);
        if (name is not null && !NamePattern().IsMatch(name))
        {
            r.Error(YamlReader.Join(path, key), map[key], "must be lower-case letters, digits, '.', '_' or '-' (at most 128, starting with a letter or digit)");
            return null;
        }

        return name;
    }

    private static List<ModelSpec> ReadModels(YamlReader r, Dictionary<string, YamlNode> top, string baseDirectory)
    {
        var models = new List<ModelSpec>();
        if (!top.TryGetValue("models", out var node))
        {
            r.Error("models", null, "is required: list at least one model");
            return models;
        }

        if (r.Sequence(node, "models") is not { } list)
        {
            return models;
        }

        if (list.Children.Count == 0)
        {
            r.Error("models", node, "must list at least one model");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = YamlReader.Index("models", i);
            if (ReadModel(r, list.Children[i], path, baseDirectory) is { } model)
            {
                if (!seen.Add(model.Name))
                {
                    r.Error(path + ".name", list.Children[i], $"model name '{model.Name}' is used twice");
                }

                models.Add(model);
            }
        }

        return models;
    }

    private static ModelSpec? ReadModel(YamlReader r, YamlNode node, string path, string baseDirectory)
    {
        var map = r.Mapping(node, path, ModelKeys);
        if (map is null)
        {
            return null;
        }

        var name = CheckName(r, map, "name", path);
        ModelSource? source = null;
        if (r.String(map, "source", path, required: true) is { } sourceText)
        {
            (source, var problem) = SourceParser.Parse(sourceText);
            if (source is LocalSource local)
            {
                source = local with { FullPath = Path.GetFullPath(local.Path, baseDirectory) };
            }

            if (problem is not null)
            {
                r.Error(path + ".source", map["source"], problem);
            }
        }

        string? sha = null;
        if (r.String(map, "sha256", path, required: true) is { } shaText)
        {
            if (shaText.Length == 64 && shaText.All(char.IsAsciiHexDigit))
            {
                sha = shaText.ToLowerInvariant();
            }
            else
            {
                r.Error(path + ".sha256", map["sha256"], "must be 64 hex digits");
            }
        }

        string? template = null;
        if (r.String(map, "template", path, required: false) is { } templateText)
        {
            template = Path.GetFullPath(templateText, baseDirectory);
            if (!File.Exists(template))
            {
                r.Error(path + ".template", map["template"], $"file not found: {template}");
            }
        }

        var parameters = ReadParameters(r, map, path);
        var license = r.String(map, "license", path, required: false);
        return name is null || source is null || sha is null ? null : new ModelSpec(name, source, sha, template, parameters, license);
    }

    private static Dictionary<string, object> ReadParameters(YamlReader r, Dictionary<string, YamlNode> map, string path)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        if (!map.TryGetValue("parameters", out var node))
        {
            return result;
        }

        var parameters = r.Mapping(node, path + ".parameters", ParameterRanges.Keys);
        foreach (var (key, value) in parameters ?? [])
        {
            var (min, max, integer) = ParameterRanges[key];
            var childPath = path + ".parameters." + key;
            if (r.Number(value, childPath, min, max) is { } number)
            {
                if (integer && number != Math.Floor(number))
                {
                    r.Error(childPath, value, "must be an integer");
                    continue;
                }

                result[key] = integer ? (object)(long)number : number;
            }
        }

        return result;
    }

    private static List<Oci.Platform> ReadPlatforms(YamlReader r, Dictionary<string, YamlNode> top)
    {
        if (!top.TryGetValue("platforms", out var node))
        {
            return [Oci.Platform.LinuxAmd64];
        }

        var result = new List<Oci.Platform>();
        if (r.Sequence(node, "platforms") is not { } list)
        {
            return result;
        }

        if (list.Children.Count == 0)
        {
            r.Error("platforms", node, "must list at least one platform");
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = YamlReader.Index("platforms", i);
            if (r.Scalar(list.Children[i], path) is not { } text)
            {
                continue;
            }

            if (!Oci.Platform.TryParse(text, out var platform))
            {
                r.Error(path, list.Children[i], $"unknown platform '{text}': expected one of {string.Join(", ", Oci.Platform.Supported)}");
            }
            else if (result.Contains(platform))
            {
                r.Error(path, list.Children[i], $"platform {text} is listed twice");
            }
            else
            {
                result.Add(platform);
            }
        }

        return result;
    }

    private static RuntimeSpec ReadRuntime(YamlReader r, Dictionary<string, YamlNode> top)
    {
        if (!top.TryGetValue("runtime", out var node) || r.Mapping(node, "runtime", RuntimeKeys) is not { } map)
        {
            return new RuntimeSpec(null);
        }

        var image = r.String(map, "image", "runtime", required: false);
        if (image is not null && !(Oci.ImageReference.TryParse(image, out var reference, out _) && reference.Digest is not null))
        {
            r.Error("runtime.image", map["image"], "must be an image reference pinned by digest (registry/repo@sha256:<64 hex>)");
        }

        return new RuntimeSpec(image);
    }

    private static ServeSpec ReadServe(YamlReader r, Dictionary<string, YamlNode> top)
    {
        if (!top.TryGetValue("serve", out var node) || r.Mapping(node, "serve", ServeKeys) is not { } map)
        {
            return ServeSpec.Default;
        }

        var env = r.String(map, "api_key_env", "serve", required: false);
        if (env is not null && !EnvPattern().IsMatch(env))
        {
            r.Error("serve.api_key_env", map["api_key_env"], "must be an environment variable name");
        }

        return new ServeSpec(
            r.Int(map, "port", "serve", 1, 65535) ?? ServeSpec.Default.Port,
            r.Int(map, "parallel", "serve", 1, 256) ?? ServeSpec.Default.Parallel,
            env,
            r.Int(map, "ctx", "serve", 16, 1 << 20));
    }

    private static Dictionary<string, string> ReadLabels(YamlReader r, Dictionary<string, YamlNode> top)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!top.TryGetValue("labels", out var node) || r.Mapping(node, "labels", null) is not { } map)
        {
            return labels;
        }

        foreach (var (key, value) in map)
        {
            var path = "labels." + key;
            if (!key.Split('.', '/').All(p => LabelKeyPart().IsMatch(p)))
            {
                r.Error(path, value, "label keys are reverse-DNS words: lower-case letters, digits, '.', '-' (e.g. org.opencontainers.image.licenses)");
            }
            else if (r.Scalar(value, path) is { } text)
            {
                labels[key] = text;
            }
        }

        return labels;
    }
}
