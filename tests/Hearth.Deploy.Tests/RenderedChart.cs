using YamlDotNet.RepresentationModel;

namespace Hearth.Deploy.Tests;

/// <summary>One object of a rendered chart, with path lookups like <c>spec.template.spec.containers[0].args</c>.</summary>
public sealed class Manifest(YamlMappingNode root)
{
    public YamlMappingNode Root { get; } = root;

    public string Kind => Scalar("kind");

    public string Name => Scalar("metadata.name");

    public YamlNode? Find(string path)
    {
        YamlNode? node = Root;
        foreach (var part in path.Split('.'))
        {
            var name = part;
            int? index = null;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            }

            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(name), out node))
            {
                return null;
            }

            if (index is { } i)
            {
                if (node is not YamlSequenceNode list || i >= list.Children.Count)
                {
                    return null;
                }

                node = list.Children[i];
            }
        }

        return node;
    }

    public string Scalar(string path) =>
        (Find(path) as YamlScalarNode)?.Value ?? throw new KeyNotFoundException($"{Kind}/{NameOrEmpty()}: no scalar at {path}");

    public IReadOnlyList<string> Strings(string path) =>
        ((Find(path) as YamlSequenceNode) ?? throw new KeyNotFoundException($"{Kind}/{NameOrEmpty()}: no list at {path}"))
            .Children.Select(c => ((YamlScalarNode)c).Value ?? string.Empty).ToList();

    private string NameOrEmpty() => (Find("metadata.name") as YamlScalarNode)?.Value ?? string.Empty;
}

/// <summary>A chart rendered by <c>helm template</c>, kept as text (for the schema validator) and parsed.</summary>
public sealed class RenderedChart
{
    private RenderedChart(string text, IReadOnlyList<Manifest> manifests)
    {
        Text = text;
        Manifests = manifests;
    }

    public string Text { get; }

    public IReadOnlyList<Manifest> Manifests { get; }

    public Manifest Single(string kind, string nameSuffix) =>
        Manifests.Single(m => m.Kind == kind && m.Name.EndsWith(nameSuffix, StringComparison.Ordinal));

    public bool Has(string kind, string nameSuffix) =>
        Manifests.Any(m => m.Kind == kind && m.Name.EndsWith(nameSuffix, StringComparison.Ordinal));

    public static RenderedChart Render(DeployTools tools, params string[] extraArguments)
    {
        var result = DeployTools.Run(tools.Helm, ["template", "rel", tools.Chart, "--namespace", "ai", .. extraArguments]);
        if (result.ExitCode != 0)
        {
            throw new HelmException(result.ExitCode, result.Output);
        }

        return Parse(result.Stdout);
    }

    public static RenderedChart Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var manifests = stream.Documents
            .Select(d => d.RootNode)
            .OfType<YamlMappingNode>()
            .Select(m => new Manifest(m))
            .ToList();
        return new RenderedChart(text, manifests);
    }
}

public sealed class HelmException(int exitCode, string output) : Exception($"helm exited {exitCode}: {output}")
{
    public int ExitCode { get; } = exitCode;

    public string Output { get; } = output;
}
