using System.Globalization;
using Hearth.Instances.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hearth.Instances.Config;

/// <summary>
/// Reads an instances file (YAML): an <c>instances:</c> mapping of name → definition, and optionally llama-swap's
/// <c>models:</c> section (cmd with ${PORT}, ttl in seconds, aliases, checkEndpoint, env as K=V). Every error names
/// its line; nothing is applied unless the whole file is valid.
/// </summary>
public static class InstancesFile
{
    private static readonly string[] InstanceKeys =
        ["command", "model", "blueprint", "args", "health", "probe", "restart", "ttl", "start_timeout", "autostart", "env", "secrets", "gpu", "parent", "models"];

    private static readonly string[] SwapKeys = ["cmd", "proxy", "ttl", "aliases", "checkEndpoint", "env", "unlisted", "name", "description", "cmdStop", "useModelName", "filters", "concurrencyLimit", "metadata"];

    public static IReadOnlyList<InstanceSpec> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"instances file not found: {path}", path);
        }

        return Parse(File.ReadAllText(path));
    }

    public static IReadOnlyList<InstanceSpec> Parse(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new InstanceSpecException($"invalid YAML: {ex.Message}", null, (int)ex.Start.Line);
        }

        if (stream.Documents.Count == 0)
        {
            return [];
        }

        var root = stream.Documents[0].RootNode as YamlMappingNode
            ?? throw Error(stream.Documents[0].RootNode, "the file must be a mapping with 'instances:' and/or 'models:'");
        var specs = new List<InstanceSpec>();
        foreach (var (key, value) in root.Children)
        {
            switch (Scalar(key))
            {
                case "instances":
                    foreach (var (name, body) in Mapping(value).Children)
                    {
                        specs.Add(ReadInstance(name, body));
                    }

                    break;
                case "models":
                    foreach (var (name, body) in Mapping(value).Children)
                    {
                        specs.Add(ReadSwapModel(name, body));
                    }

                    break;
                case "healthCheckTimeout" or "logLevel" or "startPort" or "groups" or "macros" or "hooks" or "logToStdout" or "metricsMaxInMemory":
                    break; // llama-swap settings with no meaning here
                default:
                    throw Error(key, $"unknown section '{Scalar(key)}' (use 'instances:' or 'models:')");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in specs)
        {
            if (!seen.Add(s.Name))
            {
                throw new InstanceSpecException($"instance '{s.Name}' is defined twice", "name");
            }
        }

        return specs;
    }

    private static InstanceSpec ReadInstance(YamlNode nameNode, YamlNode body)
    {
        var name = Scalar(nameNode);
        var map = Mapping(body);
        foreach (var key in map.Children.Keys)
        {
            if (!InstanceKeys.Contains(Scalar(key)))
            {
                throw Error(key, $"instance '{name}': unknown field '{Scalar(key)}' (known: {string.Join(", ", InstanceKeys)})");
            }
        }

        string? Get(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? Scalar(n) : null;
        YamlNode? Node(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;
        var model = Get("model");
        var blueprint = Get("blueprint") ?? (model is not null ? InstanceSpec.ModelBlueprint : InstanceSpec.CommandBlueprint);
        var spec = new InstanceSpec
        {
            Name = name,
            Blueprint = blueprint,
            Command = Get("command"),
            Model = model,
            Args = Node("args") is { } a ? List(a) : [],
            Health = Get("health"),
            Probe = Get("probe"),
            Restart = Node("restart") is { } r ? Restart(r) : RestartPolicy.OnFailure,
            Ttl = Get("ttl"),
            StartTimeout = Get("start_timeout"),
            Autostart = Node("autostart") is { } au && Bool(au),
            Env = Node("env") is { } e ? Map(e) : new Dictionary<string, string>(),
            Secrets = Node("secrets") is { } sec ? Map(sec) : new Dictionary<string, string>(),
            Gpu = Get("gpu"),
            Parent = Get("parent"),
            Models = Node("models") is { } m ? List(m) : [],
        };
        Validate(spec, nameNode, map);
        return spec;
    }

    /// <summary>llama-swap's model entry: a command serving one model on ${PORT}, started on demand.</summary>
    private static InstanceSpec ReadSwapModel(YamlNode nameNode, YamlNode body)
    {
        var model = Scalar(nameNode);
        var map = Mapping(body);
        foreach (var key in map.Children.Keys)
        {
            if (!SwapKeys.Contains(Scalar(key)))
            {
                throw Error(key, $"model '{model}': unknown field '{Scalar(key)}'");
            }
        }

        string? Get(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? Scalar(n) : null;
        var cmd = Get("cmd") ?? throw Error(nameNode, $"model '{model}' needs cmd");
        var env = new Dictionary<string, string>();
        if (map.Children.TryGetValue(new YamlScalarNode("env"), out var envNode))
        {
            foreach (var item in List(envNode))
            {
                var eq = item.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw Error(envNode, $"model '{model}': env entry '{item}' is not KEY=VALUE");
                }

                env[item[..eq]] = item[(eq + 1)..];
            }
        }

        var aliases = map.Children.TryGetValue(new YamlScalarNode("aliases"), out var al) ? List(al) : [];
        var ttl = Get("ttl");
        var spec = new InstanceSpec
        {
            // Instance names must be host labels; llama-swap model ids may hold anything else.
            Name = Slug(model),
            Command = cmd.Replace("\n", " ", StringComparison.Ordinal).Replace("\\ ", " ", StringComparison.Ordinal),
            Health = Get("checkEndpoint") is { } check && check != "none" ? "http:" + check : (Get("checkEndpoint") == "none" ? "tcp" : "http:/health"),
            Ttl = ttl is null || ttl == "0" ? null : ttl + (ttl.All(char.IsAsciiDigit) ? "s" : ""),
            Env = env,
            Models = [model, .. aliases],
        };
        Validate(spec, nameNode, map);
        return spec;
    }

    internal static string Slug(string model)
    {
        var chars = model.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = new string(chars).Trim('-');
        while (slug.Contains("--", StringComparison.Ordinal))
        {
            slug = slug.Replace("--", "-", StringComparison.Ordinal);
        }

        return slug.Length > 63 ? slug[..63].TrimEnd('-') : slug;
    }

    private static void Validate(InstanceSpec spec, YamlNode nameNode, YamlMappingNode map)
    {
        try
        {
            spec.Validate();
        }
        catch (InstanceSpecException ex)
        {
            // Point at the offending field's line when there is one, else at the instance's name.
            var at = ex.Field is { } f && map.Children.Keys.FirstOrDefault(k => Scalar(k) == f) is { } key ? key : nameNode;
            throw new InstanceSpecException($"instance '{spec.Name}': {ex.Message}", ex.Field, Line(at));
        }
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static InstanceSpecException Error(YamlNode node, string message) => new(message, null, Line(node));

    private static string Scalar(YamlNode node) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Error(node, "expected a single value here");

    private static YamlMappingNode Mapping(YamlNode node) =>
        node as YamlMappingNode ?? throw Error(node, "expected a mapping (key: value lines) here");

    private static List<string> List(YamlNode node) => node switch
    {
        YamlSequenceNode seq => seq.Children.Select(Scalar).ToList(),
        YamlScalarNode s => [Scalar(s)],
        _ => throw Error(node, "expected a list here"),
    };

    private static Dictionary<string, string> Map(YamlNode node) =>
        Mapping(node).Children.ToDictionary(kv => Scalar(kv.Key), kv => Scalar(kv.Value), StringComparer.Ordinal);

    private static bool Bool(YamlNode node) => Scalar(node) switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var v => throw Error(node, $"expected true or false, not '{v}'"),
    };

    private static RestartPolicy Restart(YamlNode node) => Scalar(node) switch
    {
        "always" => RestartPolicy.Always,
        "on-failure" => RestartPolicy.OnFailure,
        "never" or "no" => RestartPolicy.Never,
        var v => throw Error(node, $"restart must be always, on-failure or never, not '{v}'"),
    };

    internal static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
