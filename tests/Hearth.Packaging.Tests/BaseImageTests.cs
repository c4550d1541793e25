using System.Diagnostics;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;

namespace Hearth.Packaging.Tests;

/// <summary>
/// <c>hearth pack runtime --base REF@sha256:…</c> against a real registry. The base is made here
/// from the runtime fixture's Debian-package layer alone (it has libc, so the result runs), with
/// its own environment, pushed as a two-platform index; the runtime built on it must list the
/// base's layers first with the same digests, keep the base's environment and run in a chroot.
/// </summary>
[Collection(RuntimeImageCollection.Name)]
public sealed class BaseImageTests(RuntimeImageFixture runtime)
{
    private async Task<ImageSet> BaseFromRuntimeAsync()
    {
        var full = await ImageReader.ReadAsync(new OciLayout(runtime.Layout, create: false), "latest", CancellationToken.None);
        var images = full.Images.Select(i => PlatformImage.Create(i.Platform, new JsonObject
        {
            ["architecture"] = i.Platform.Architecture,
            ["os"] = i.Platform.Os,
            ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(i.Layers[0].Descriptor.Digest) },
            ["history"] = new JsonArray(new JsonObject { ["created_by"] = "test base: the Debian-package layer" }),
        }, [i.Layers[0]])).ToList();
        return ImageSet.Create(images);
    }

    private static async Task<(string Digest, JsonNode Json)> RawAsync(RegistryServer registry, string reference)
    {
        var (code, raw, err) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/{reference}"]);
        Assert.True(code == 0, err);
        return (Digest.Of(System.Text.Encoding.UTF8.GetBytes(raw.TrimEnd('\n'))), JsonNode.Parse(raw)!);
    }

    [Fact]
    public async Task A_runtime_on_a_digest_pinned_base_keeps_the_base_layers_first_and_runs_hearth_version_in_a_chroot()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        using var http = new HttpClient();
        var baseSet = await BaseFromRuntimeAsync();
        await ImageWriter.WriteAsync(baseSet, new RegistryImageStore(new RegistryClient(http, registry.Host), "hearth/base"), "bookworm", CancellationToken.None);
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = runtime.Home };

        // A tag alone is refused before anything is built.
        var (code, _, stderr) = await Tools.HearthAsync("022", env, dir.Path, "pack", "runtime", "--base", $"{registry.Host}/hearth/base:bookworm", "--output", "oci:" + dir.File("refused"));
        Assert.Equal(6, code);
        Assert.Contains("pin the base by digest", stderr, StringComparison.Ordinal);

        var layout = dir.File("on-base");
        (code, var stdout, stderr) = await Tools.HearthAsync("022", env, dir.Path, TimeSpan.FromMinutes(30), "pack", "runtime",
            "--base", $"{registry.Host}/hearth/base@{baseSet.Digest}", "--output", $"oci:{layout}:1", "--push", $"{registry.Host}/hearth/runtime:1");
        Assert.True(code == 0, stderr);
        Assert.Equal(stdout.Trim(), Digest.Of(File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", stdout.Trim()[7..]))));

        Assert.Contains($"{registry.Host}/hearth/runtime:1: 4 blobs written, 2 already there", stderr, StringComparison.Ordinal); // base layers mounted

        var (indexDigest, index) = await RawAsync(registry, "hearth/runtime:1");
        Assert.Equal(stdout.Trim(), indexDigest);
        foreach (var entry in index["manifests"]!.AsArray())
        {
            var arch = (string)entry!["platform"]!["architecture"]!;
            var (_, manifest) = await RawAsync(registry, $"hearth/runtime@{entry["digest"]}");
            var layers = manifest["layers"]!.AsArray().Select(l => (string)l!["digest"]!).ToList();
            var baseImage = baseSet.Images.Single(i => i.Platform.Architecture == arch);
            Assert.Equal(2, layers.Count);
            Assert.Equal(baseImage.Layers[0].Descriptor.Digest, layers[0]); // the base's layer first, same bytes
        }

        // To another registry the base's layers cannot be mounted: they are copied, with the same digests.
        await using var other = await RegistryServer.StartAsync();
        (code, var otherDigest, stderr) = await Tools.HearthAsync("022", env, dir.Path, TimeSpan.FromMinutes(30), "pack", "runtime",
            "--base", $"{registry.Host}/hearth/base@{baseSet.Digest}", "--output", $"{other.Host}/hearth/runtime:1");
        Assert.True(code == 0, stderr);
        Assert.Equal(stdout.Trim(), otherDigest.Trim()); // the same image, byte for byte
        Assert.Contains($"{other.Host}/hearth/runtime:1: 6 blobs written, 0 already there", stderr, StringComparison.Ordinal);
        var (copiedDigest, _) = await RawAsync(other, "hearth/runtime:1");
        Assert.Equal(stdout.Trim(), copiedDigest);

        // The amd64 image: the base's environment is kept, /app leads PATH, and hearth runs on the base's libc.
        var amd64 = await ImageReader.ReadAsync(new OciLayout(layout, create: false), "1", CancellationToken.None);
        var imageConfig = amd64.Images.Single(i => i.Platform == Platform.LinuxAmd64).ConfigJson();
        var envList = imageConfig["config"]!["Env"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Contains("LANG=C.UTF-8", envList);
        Assert.Contains("PATH=/app:/usr/sbin:/usr/bin:/sbin:/bin", envList);
        Assert.Equal($"{registry.Host}/hearth/base@{baseSet.Digest}", (string?)imageConfig["config"]!["Labels"]!["dev.hearth.runtime.base"]);

        await RunVersionInChrootAsync(dir, $"docker://{registry.Host}/hearth/runtime:1", "65532:65532");
    }

    /// <summary>skopeo copies the amd64 image to a layout, umoci unpacks it, and <c>/app/hearth --version</c> runs in the rootfs with chroot.</summary>
    private static async Task RunVersionInChrootAsync(TempDir dir, string source, string user)
    {
        var single = dir.File("amd64-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = await Tools.RunAsync("skopeo", ["copy", "--src-tls-verify=false", "--override-arch", "amd64", source, $"oci:{single}:amd64"]);
        Assert.True(code == 0, stderr);
        var bundle = single + "-bundle";
        (code, _, stderr) = await Tools.RunAsync("umoci", ["unpack", "--image", $"{single}:amd64", bundle]);
        Assert.True(code == 0, stderr);
        var rootfs = Path.Combine(bundle, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "proc"));
        Directory.CreateDirectory(Path.Combine(rootfs, "dev"));
        (code, stdout, stderr) = await Tools.RunAsync("unshare", ["--mount", "--fork", "bash", "-c",
            "mount -t proc proc \"$0/proc\" && mount --rbind /dev \"$0/dev\" && exec chroot --userspec=\"$1\" \"$0\" /app/hearth --version", rootfs, user],
            new Dictionary<string, string> { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1", ["HEARTH_HOME"] = "/var/lib/hearth" });
        Assert.True(code == 0, stdout + stderr);
        Assert.Matches(@"^\d+\.\d+", stdout.Trim());
    }

    [Fact]
    public async Task A_docker_format_base_with_gzip_layers_gets_oci_media_types_keeps_its_user_and_runs()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        using var http = new HttpClient();
        var client = new RegistryClient(http, registry.Host);

        // The Debian-package layer gzipped, in a Docker schema 2 manifest (how most public bases are stored).
        var full = await ImageReader.ReadAsync(new OciLayout(runtime.Layout, create: false), "latest", CancellationToken.None);
        var layer = full.Images.Single(i => i.Platform == Platform.LinuxAmd64).Layers[0];
        var gz = dir.File("base.tar.gz");
        await using (var file = File.Create(gz))
        {
            await using var zip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
            await layer.Blob.CopyToAsync(zip, CancellationToken.None);
        }

        var gzBlob = new FileBlob(gz, Digest.Of(File.ReadAllBytes(gz)), new FileInfo(gz).Length);
        var config = new BytesBlob(System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/usr/bin:/bin"), ["User"] = "1000:1000" },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layer.Descriptor.Digest) },
        }.ToJsonString()));
        await client.UploadBlobAsync("docker/base", gzBlob, CancellationToken.None);
        await client.UploadBlobAsync("docker/base", config, CancellationToken.None);
        var manifest = new BytesBlob(System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.DockerManifest,
            ["config"] = config.Describe("application/vnd.docker.container.image.v1+json").ToJson(),
            ["layers"] = new JsonArray(gzBlob.Describe("application/vnd.docker.image.rootfs.diff.tar.gzip").ToJson()),
        }.ToJsonString()));
        await client.PutManifestAsync("docker/base", "slim", manifest, MediaTypes.DockerManifest, CancellationToken.None);

        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = runtime.Home };
        var layout = dir.File("on-docker-base");
        var (code, _, stderr) = await Tools.HearthAsync("022", env, dir.Path, TimeSpan.FromMinutes(30), "pack", "runtime",
            "--base", $"{registry.Host}/docker/base@{manifest.Digest}", "--platform", "linux/amd64", "--output", $"oci:{layout}:1");
        Assert.True(code == 0, stderr);

        var built = Assert.Single((await ImageReader.ReadAsync(new OciLayout(layout, create: false), "1", CancellationToken.None)).Images);
        Assert.Equal(MediaTypes.Manifest, (string?)built.ManifestJson()["mediaType"]);
        Assert.Equal((MediaTypes.LayerGzip, gzBlob.Digest), (built.Layers[0].Descriptor.MediaType, built.Layers[0].Descriptor.Digest));
        var builtConfig = built.ConfigJson();
        Assert.Equal(layer.Descriptor.Digest, (string?)builtConfig["rootfs"]!["diff_ids"]![0]); // the uncompressed digest, as the base said
        Assert.Equal("1000:1000", (string?)builtConfig["config"]!["User"]); // a non-root base user is kept

        // A base without a requested platform fails before anything is published or written.
        (code, _, stderr) = await Tools.HearthAsync("022", env, dir.Path, "pack", "runtime",
            "--base", $"{registry.Host}/docker/base@{manifest.Digest}", "--output", $"oci:{dir.File("none")}:1");
        Assert.Equal(5, code);
        Assert.Contains("has no linux/arm64 image", stderr, StringComparison.Ordinal);

        await RunVersionInChrootAsync(dir, $"oci:{layout}:1", "1000:1000");
    }
}
