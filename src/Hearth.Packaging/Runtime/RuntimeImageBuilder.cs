using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;

namespace Hearth.Packaging.Runtime;

/// <summary>
/// Builds the Hearth runtime image for each platform: a base layer assembled from pinned Debian
/// packages (the libraries a self-contained .NET app loads: libc, libgcc, libstdc++, zlib, OpenSSL,
/// CA certificates, time zones), a layer with the published app in <c>/app</c>, user 65532
/// (<c>hearth</c>), and <c>hearth serve</c> as entrypoint. No shell is in the image.
/// </summary>
public sealed class RuntimeImageBuilder(AptFetcher apt, DotnetPublisher publisher)
{
    public const int UserId = 65532;
    public const string PackagesLabel = "dev.hearth.runtime.packages";
    public const string HomeDirectory = "var/lib/hearth";

    /// <summary>Checked with <c>ldd</c> on the published app and <c>dlopen</c> uses (OpenSSL, zlib): what must be in the base.</summary>
    public static readonly string[] Packages = ["libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libssl3", "ca-certificates", "tzdata"];

    /// <summary>
    /// Builds on <paramref name="baseImage"/> when given: its layers first, unchanged, then the app
    /// layer (which also makes the writable home, since the base does not know Hearth's user).
    /// </summary>
    public async Task<ImageSet> BuildAsync(IReadOnlyList<Platform> platforms, DateTimeOffset epoch, string version, CancellationToken cancellationToken,
        BaseImage? baseImage = null)
    {
        if (baseImage is not null)
        {
            var onBase = new List<PlatformImage>();
            var bases = platforms.Select(p => (Platform: p, Image: baseImage.For(p))).ToList(); // before publishing: a base without a platform fails fast
            foreach (var (platform, image) in bases)
            {
                var app = await publisher.PublishAsync(platform.RuntimeIdentifier, cancellationToken).ConfigureAwait(false);
                var appLayer = await TarLayer.CreateAsync(AppItems(app).Append(LayerItem.Dir(HomeDirectory, UserId, UserId)), epoch, cancellationToken).ConfigureAwait(false);
                var config = baseImage.Config(image, appLayer, epoch, version, platform.RuntimeIdentifier);
                onBase.Add(PlatformImage.Create(platform, config, [.. BaseImage.Layers(image), new Layer(appLayer.Describe(MediaTypes.Layer), appLayer)]));
            }

            return ImageSet.Create(onBase, new Dictionary<string, string> { ["org.opencontainers.image.title"] = "hearth-runtime" });
        }

        await apt.UpdateAsync(cancellationToken).ConfigureAwait(false);
        var images = new List<PlatformImage>();
        foreach (var platform in platforms)
        {
            var debs = new List<DebPackage>();
            foreach (var name in Packages)
            {
                debs.Add(await apt.DownloadAsync(name, platform.DebianArchitecture, cancellationToken).ConfigureAwait(false));
            }

            var baseLayer = await TarLayer.CreateAsync(BaseItems(debs), epoch, cancellationToken).ConfigureAwait(false);
            var app = await publisher.PublishAsync(platform.RuntimeIdentifier, cancellationToken).ConfigureAwait(false);
            var appLayer = await TarLayer.CreateAsync(AppItems(app), epoch, cancellationToken).ConfigureAwait(false);
            var config = Config(platform, debs, [baseLayer, appLayer], epoch, version);
            images.Add(PlatformImage.Create(platform, config, [new Layer(baseLayer.Describe(MediaTypes.Layer), baseLayer), new Layer(appLayer.Describe(MediaTypes.Layer), appLayer)]));
        }

        return ImageSet.Create(images, new Dictionary<string, string> { ["org.opencontainers.image.title"] = "hearth-runtime" });
    }

    private static IEnumerable<LayerItem> BaseItems(IReadOnlyList<DebPackage> debs)
    {
        var items = new Dictionary<string, LayerItem>(StringComparer.Ordinal);
        foreach (var deb in debs)
        {
            foreach (var item in DebExtractor.Extract(deb.File))
            {
                items[item.Path] = item;
            }
        }

        // What the packages' maintainer scripts would have made: the CA bundle, users, writable dirs.
        var bundle = new StringBuilder();
        foreach (var cert in items.Values.Where(i => i.Path.StartsWith("usr/share/ca-certificates/", StringComparison.Ordinal) && i.Path.EndsWith(".crt", StringComparison.Ordinal))
                     .OrderBy(i => i.Path, StringComparer.Ordinal))
        {
            bundle.Append(Encoding.UTF8.GetString(cert.Content!).TrimEnd('\n')).Append('\n');
        }

        items["etc/ssl/certs/ca-certificates.crt"] = LayerItem.FromBytes("etc/ssl/certs/ca-certificates.crt", Encoding.UTF8.GetBytes(bundle.ToString()));
        items["etc/passwd"] = LayerItem.FromBytes("etc/passwd", Encoding.UTF8.GetBytes(
            $"root:x:0:0:root:/root:/usr/sbin/nologin\nhearth:x:{UserId}:{UserId}:hearth:/{HomeDirectory}:/usr/sbin/nologin\n"));
        items["etc/group"] = LayerItem.FromBytes("etc/group", Encoding.UTF8.GetBytes($"root:x:0:\nhearth:x:{UserId}:\n"));
        items["etc/localtime"] = LayerItem.Link("etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
        items["tmp"] = new LayerItem("tmp", LayerItemKind.Directory, (UnixFileMode)0b1_111_111_111); // 1777
        items[HomeDirectory] = LayerItem.Dir(HomeDirectory, UserId, UserId);
        return items.Values;
    }

    private static IEnumerable<LayerItem> AppItems(string publishDirectory)
    {
        foreach (var file in Directory.EnumerateFiles(publishDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(publishDirectory, file).Replace('\\', '/');
            if (relative.StartsWith(".hearth-", StringComparison.Ordinal))
            {
                continue;
            }

            // The apphost is the one executable a publish makes (its mode is not readable on Windows).
            var executable = OperatingSystem.IsWindows() ? relative == "hearth" : (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;
            yield return LayerItem.FromFile("app/" + relative, file, executable);
        }
    }

    private static JsonObject Config(Platform platform, IReadOnlyList<DebPackage> debs, IReadOnlyList<TarLayer> layers, DateTimeOffset epoch, string version)
    {
        var created = epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["architecture"] = platform.Architecture,
            ["os"] = platform.Os,
            ["created"] = created,
            ["config"] = new JsonObject
            {
                ["User"] = $"{UserId}:{UserId}",
                ["Entrypoint"] = new JsonArray("/app/hearth", "serve"),
                ["Cmd"] = new JsonArray("--host", "0.0.0.0"),
                ["WorkingDir"] = "/" + HomeDirectory,
                ["Env"] = new JsonArray("PATH=/app:/usr/bin:/bin", "HEARTH_HOME=/" + HomeDirectory, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1"),
                ["ExposedPorts"] = new JsonObject { ["8080/tcp"] = new JsonObject() },
                ["Labels"] = new JsonObject
                {
                    ["org.opencontainers.image.title"] = "hearth-runtime",
                    ["org.opencontainers.image.version"] = version,
                    [PackagesLabel] = string.Join(' ', debs.Select(d => $"{d.Name}={d.Version}")),
                },
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. layers.Select(l => (JsonNode)l.Digest)]) },
            ["history"] = new JsonArray(
                new JsonObject { ["created"] = created, ["created_by"] = "hearth pack runtime: Debian " + string.Join(' ', debs.Select(d => d.Name)) },
                new JsonObject { ["created"] = created, ["created_by"] = "hearth pack runtime: dotnet publish " + platform.RuntimeIdentifier }),
        };
    }
}
