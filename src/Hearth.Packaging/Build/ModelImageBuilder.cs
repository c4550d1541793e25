using System.Globalization;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Sources;
using Hearth.Packaging.Spec;

namespace Hearth.Packaging.Build;

/// <summary>
/// Stacks a spec's models on the runtime image: per platform, the runtime's layers, one
/// uncompressed layer per model file (<c>/models/NAME.gguf</c>, the same digest on every platform,
/// so the registry stores it once), and a small config layer (<c>/etc/hearth/</c>: serve settings,
/// per-model parameters as serving defaults, templates). The config's entrypoint serves those models on the spec's port.
/// Nothing here reads the clock: every time field is the epoch given.
/// </summary>
public sealed class ModelImageBuilder(LayerDigestCache? digestCache = null)
{
    public const string ModelsDirectory = "models";
    public const string LabelPrefix = "dev.hearth.";

    public async Task<ImageSet> BuildAsync(PackSpec spec, IReadOnlyList<ResolvedModel> models, ImageSet runtime, DateTimeOffset epoch,
        CancellationToken cancellationToken)
    {
        var modelLayers = new List<TarLayer>();
        foreach (var model in models)
        {
            modelLayers.Add(await ModelLayerAsync(model, epoch, cancellationToken).ConfigureAwait(false));
        }

        var configLayer = await TarLayer.CreateAsync(ConfigItems(spec), epoch, cancellationToken).ConfigureAwait(false);
        var images = new List<PlatformImage>();
        foreach (var platform in spec.Platforms)
        {
            var baseImage = runtime.Images.FirstOrDefault(i => i.Platform == platform)
                ?? throw new ArgumentException($"the runtime image {runtime.Digest} has no {platform} image; platforms there: {string.Join(", ", runtime.Images.Select(i => i.Platform))}");
            var layers = baseImage.Layers.ToList();
            layers.AddRange(modelLayers.Select(l => new Layer(l.Describe(MediaTypes.Layer) with
            {
                Annotations = new Dictionary<string, string> { ["org.opencontainers.image.title"] = l.Items[^1].Path },
            }, l)));
            layers.Add(new Layer(configLayer.Describe(MediaTypes.Layer), configLayer));
            var config = Configure(baseImage.ConfigJson(), spec, models, [.. modelLayers, configLayer], epoch);
            images.Add(PlatformImage.Create(platform, config, layers));
        }

        return ImageSet.Create(images, new Dictionary<string, string> { ["org.opencontainers.image.title"] = spec.Name });
    }

    private async Task<TarLayer> ModelLayerAsync(ResolvedModel model, DateTimeOffset epoch, CancellationToken cancellationToken)
    {
        var entry = $"{ModelsDirectory}/{model.Spec.Name}.gguf";
        var key = LayerDigestCache.Key("model-layer-v1", entry, model.Spec.Sha256, model.Size.ToString(CultureInfo.InvariantCulture),
            epoch.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var items = new[] { LayerItem.FromFile(entry, model.Path) with { ExpectedSha256 = model.Spec.Sha256 } };
        var layer = await TarLayer.CreateAsync(items, epoch, cancellationToken, digestCache?.TryGet(key)).ConfigureAwait(false);
        digestCache?.Put(key, layer.Digest, layer.Size);
        return layer;
    }

    private static IEnumerable<LayerItem> ConfigItems(PackSpec spec)
    {
        yield return LayerItem.FromBytes("etc/hearth/serve.json", CanonicalJson.Serialize(ServeConfig(spec)));
        foreach (var model in spec.Models.Where(m => m.Parameters.Count > 0))
        {
            yield return LayerItem.FromBytes(DefaultsPath(model)[1..], CanonicalJson.Serialize(Parameters(model)));
        }

        foreach (var model in spec.Models.Where(m => m.TemplatePath is not null))
        {
            yield return LayerItem.FromBytes($"etc/hearth/templates/{model.Name}.jinja", File.ReadAllBytes(model.TemplatePath!));
        }
    }

    /// <summary>What the image serves, as one JSON document (read by people and by <c>hearth pack verify</c>).</summary>
    internal static JsonObject ServeConfig(PackSpec spec) => new()
    {
        ["name"] = spec.Name,
        ["port"] = spec.Serve.Port,
        ["parallel"] = spec.Serve.Parallel,
        ["ctx"] = spec.Serve.Context,
        ["api_key_env"] = spec.Serve.ApiKeyEnv,
        ["models"] = new JsonArray([.. spec.Models.Select(m => (JsonNode)new JsonObject
        {
            ["name"] = m.Name,
            ["file"] = $"/{ModelsDirectory}/{m.Name}.gguf",
            ["sha256"] = m.Sha256,
            ["source"] = m.Source.Display,
            ["template"] = m.TemplatePath is null ? null : $"/etc/hearth/templates/{m.Name}.jinja",
            ["parameters"] = Parameters(m),
        })]),
    };

    /// <summary>Where a model's parameters lie in the image, for <c>hearth serve --model-defaults NAME=FILE</c>.</summary>
    internal static string DefaultsPath(ModelSpec model) => $"/etc/hearth/defaults/{model.Name}.json";

    private static JsonObject Parameters(ModelSpec model) => new(model.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)
        .Select(p => KeyValuePair.Create(p.Key, p.Value is long l ? JsonValue.Create(l) : (JsonNode?)JsonValue.Create((double)p.Value))));

    /// <summary>The serve command line of the image (no shell: the API key comes from the spec's <c>api_key_env</c>, default HEARTH_API_KEY, which <c>hearth serve</c> reads itself).</summary>
    internal static JsonArray Entrypoint(PackSpec spec)
    {
        var args = new List<string> { "/app/hearth", "serve", "--host", "0.0.0.0", "--port", spec.Serve.Port.ToString(CultureInfo.InvariantCulture),
            "--parallel", spec.Serve.Parallel.ToString(CultureInfo.InvariantCulture) };
        if (spec.Serve.Context is { } c)
        {
            args.AddRange(["--ctx", c.ToString(CultureInfo.InvariantCulture)]);
        }

        if (spec.Serve.ApiKeyEnv is { } env && env != SpecParser.ApiKeyVariable)
        {
            // No shell in the image: serve reads the named variable itself.
            args.AddRange(["--api-key-env", env]);
        }

        foreach (var model in spec.Models)
        {
            args.AddRange(["--model", $"/{ModelsDirectory}/{model.Name}.gguf"]);
            if (model.TemplatePath is not null)
            {
                // The served name is the file's name, so NAME= picks exactly this model.
                args.AddRange(["--chat-template", $"{model.Name}=/etc/hearth/templates/{model.Name}.jinja"]);
            }

            if (model.Parameters.Count > 0)
            {
                // Sampling defaults and the model's own ctx; a request's values still win.
                args.AddRange(["--model-defaults", $"{model.Name}={DefaultsPath(model)}"]);
            }
        }

        return new JsonArray([.. args.Select(a => (JsonNode)a)]);
    }

    private static JsonObject Configure(JsonObject config, PackSpec spec, IReadOnlyList<ResolvedModel> models, IReadOnlyList<TarLayer> added, DateTimeOffset epoch)
    {
        var created = epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        config["created"] = created;
        var runtimeConfig = config["config"] as JsonObject ?? [];
        config["config"] = runtimeConfig;
        runtimeConfig["Entrypoint"] = Entrypoint(spec);
        runtimeConfig.Remove("Cmd");
        runtimeConfig["ExposedPorts"] = new JsonObject { [$"{spec.Serve.Port}/tcp"] = new JsonObject() };
        var labels = runtimeConfig["Labels"] as JsonObject ?? [];
        runtimeConfig["Labels"] = labels;
        foreach (var (key, value) in Labels(spec, models))
        {
            labels[key] = value;
        }

        var rootfs = config["rootfs"] as JsonObject ?? new JsonObject { ["type"] = "layers" };
        config["rootfs"] = rootfs;
        var diffIds = rootfs["diff_ids"] as JsonArray ?? [];
        rootfs["diff_ids"] = diffIds;
        var history = config["history"] as JsonArray ?? [];
        config["history"] = history;
        foreach (var layer in added)
        {
            diffIds.Add(layer.Digest); // uncompressed: the digest is the diffID
            history.Add(new JsonObject { ["created"] = created, ["created_by"] = "hearth pack: " + layer.Items[^1].Path });
        }

        return config;
    }

    internal static SortedDictionary<string, string> Labels(PackSpec spec, IReadOnlyList<ResolvedModel> models)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.title"] = spec.Name,
            ["org.opencontainers.image.source"] = string.Join(" ", models.Select(m => m.Spec.Source.Display)),
            [LabelPrefix + "serve.port"] = spec.Serve.Port.ToString(CultureInfo.InvariantCulture),
        };
        var revisions = models.Select(m => m.Spec.Source).OfType<HubSource>().Select(h => h.Commit).Distinct().ToList();
        if (revisions.Count > 0)
        {
            labels["org.opencontainers.image.revision"] = string.Join(" ", revisions);
        }

        var licenses = models.Select(m => m.Spec.License).OfType<string>().Distinct().ToList();
        if (licenses.Count > 0)
        {
            labels["org.opencontainers.image.licenses"] = string.Join(" AND ", licenses);
        }

        foreach (var model in models)
        {
            labels[$"{LabelPrefix}model.{model.Spec.Name}.sha256"] = model.Spec.Sha256;
            labels[$"{LabelPrefix}model.{model.Spec.Name}.source"] = model.Spec.Source.Display;
        }

        foreach (var (key, value) in spec.Labels)
        {
            labels[key] = value; // the spec has the last word (e.g. its own licence expression)
        }

        return labels;
    }
}
