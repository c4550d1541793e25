using System.Globalization;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;

namespace Hearth.Packaging.Runtime;

/// <summary>
/// A base image the runtime is stacked on instead of the Debian-package rootfs
/// (<c>hearth pack runtime --base REF@sha256:…</c>). It must be pinned by digest, so the same
/// command always builds on the same bytes. Its layers are reused as they are (mounted or copied
/// when written, never rebuilt); its config gives the platform, environment, user and history.
/// </summary>
public sealed record BaseImage(ImageReference Reference, ImageSet Image)
{
    public const string BaseLabel = "dev.hearth.runtime.base";

    /// <summary>A registry reference with a digest; a tag alone is refused (it can move under the build).</summary>
    public static ImageReference ParseReference(string text)
    {
        var trimmed = text.StartsWith("docker://", StringComparison.Ordinal) ? text["docker://".Length..] : text;
        if (!ImageReference.TryParse(trimmed, out var reference, out var problem))
        {
            throw new ArgumentException($"--base: {problem}");
        }

        return reference.Digest is null
            ? throw new ArgumentException($"--base {text} names a tag only: pin the base by digest (REGISTRY/REPO@sha256:…; `skopeo inspect docker://{reference}` shows it)")
            : reference;
    }

    /// <summary>The base's image for <paramref name="platform"/>; a base without one is an error naming what it has.</summary>
    public PlatformImage For(Platform platform) =>
        Image.Images.FirstOrDefault(i => i.Platform.Os == platform.Os && i.Platform.Architecture == platform.Architecture)
        ?? throw new NotSupportedException($"base {Reference} has no {platform} image (it has {string.Join(", ", Image.Images.Select(i => i.Platform))}); choose --platform accordingly");

    /// <summary>The base's layers under OCI media types (Docker's name the same bytes differently).</summary>
    public static IReadOnlyList<Layer> Layers(PlatformImage image) =>
        [.. image.Layers.Select(l => l with { Descriptor = l.Descriptor with { MediaType = OciLayerType(l.Descriptor.MediaType) } })];

    private static string OciLayerType(string mediaType) => mediaType switch
    {
        "application/vnd.docker.image.rootfs.diff.tar.gzip" => MediaTypes.LayerGzip,
        "application/vnd.docker.image.rootfs.diff.tar" => MediaTypes.Layer,
        _ => mediaType,
    };

    /// <summary>
    /// The runtime's config on top of the base's: the base's environment with <c>/app</c> first on
    /// PATH, the base's user unless that is root (then Hearth's 65532), Hearth's entrypoint, and the
    /// base's history and diff IDs followed by the app layer's.
    /// </summary>
    public JsonObject Config(PlatformImage image, TarLayer appLayer, DateTimeOffset epoch, string version, string platformRid)
    {
        var config = image.ConfigJson();
        var inner = config["config"] as JsonObject ?? [];
        var env = (inner["Env"] as JsonArray ?? []).Select(e => (string)e!).ToList();
        var basePath = env.FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?["PATH=".Length..] ?? "/usr/local/bin:/usr/bin:/bin";
        env.RemoveAll(e => e.Split('=')[0] is "PATH" or "HEARTH_HOME" or "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT");
        env.InsertRange(0, ["PATH=/app:" + basePath, "HEARTH_HOME=/" + RuntimeImageBuilder.HomeDirectory, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1"]);
        var user = (string?)inner["User"];
        if (string.IsNullOrEmpty(user) || user.Split(':')[0] is "0" or "root")
        {
            user = $"{RuntimeImageBuilder.UserId}:{RuntimeImageBuilder.UserId}";
        }

        var labels = inner["Labels"] as JsonObject ?? [];
        labels["org.opencontainers.image.title"] = "hearth-runtime";
        labels["org.opencontainers.image.version"] = version;
        labels["org.opencontainers.image.base.name"] = Reference.ToString();
        labels["org.opencontainers.image.base.digest"] = image.Manifest.Digest;
        labels[BaseLabel] = Reference.ToString();
        var created = epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var diffIds = (config["rootfs"]?["diff_ids"] as JsonArray ?? []).Select(d => (string)d!).Append(appLayer.Digest);
        var history = (config["history"] as JsonArray ?? []).Select(h => h!.DeepClone())
            .Append(new JsonObject { ["created"] = created, ["created_by"] = "hearth pack runtime: dotnet publish " + platformRid });
        var result = new JsonObject
        {
            ["architecture"] = image.Platform.Architecture,
            ["os"] = image.Platform.Os,
            ["created"] = created,
            ["config"] = new JsonObject
            {
                ["User"] = user,
                ["Entrypoint"] = new JsonArray("/app/hearth", "serve"),
                ["Cmd"] = new JsonArray("--host", "0.0.0.0"),
                ["WorkingDir"] = "/" + RuntimeImageBuilder.HomeDirectory,
                ["Env"] = new JsonArray([.. env.Select(e => (JsonNode)e)]),
                ["ExposedPorts"] = new JsonObject { ["8080/tcp"] = new JsonObject() },
                ["Labels"] = labels.DeepClone(),
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. diffIds.Select(d => (JsonNode)d)]) },
            ["history"] = new JsonArray([.. history]),
        };
        if (config["variant"] is { } variant)
        {
            result["variant"] = variant.DeepClone();
        }

        return result;
    }
}
