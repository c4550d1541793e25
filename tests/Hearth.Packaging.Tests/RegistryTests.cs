using System.Text.Json.Nodes;
using Hearth.Packaging.Build;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;
using Hearth.Packaging.Sources;
using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>The registry client against a real docker-registry, checked with skopeo and umoci.</summary>
public sealed class RegistryTests
{
    private static readonly string Model = SharedData.Model("llama-2-tiny-random.gguf");

    private static async Task<ImageSet> TinyImageAsync(TempDir dir)
    {
        var spec = Packager.LoadSpec(dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(Model)), out _);
        var resolved = new ResolvedModel(spec.Models[0], Model, new FileInfo(Model).Length);
        return await new ModelImageBuilder().BuildAsync(spec, [resolved], await FakeRuntime.CreateAsync(), DateTimeOffset.UnixEpoch, CancellationToken.None);
    }

    private static RegistryImageStore Store(HttpClient http, RegistryServer registry, string repository, RegistryOptions? options = null,
        RegistryCredentials? credentials = null) =>
        new(new RegistryClient(http, registry.Host, credentials, options), repository);

    [Fact]
    public async Task A_pushed_index_shows_both_platforms_in_skopeo_and_a_second_push_uploads_nothing()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        using var http = new HttpClient();
        var image = await TinyImageAsync(dir);

        var first = Store(http, registry, "hearth/tiny");
        await first.Client.PingAsync(CancellationToken.None);
        var result = await ImageWriter.WriteAsync(image, first, "1", CancellationToken.None);
        Assert.Equal(6, result.BlobsWritten); // 2 runtime layers, 1 shared model layer, 1 config layer, 2 image configs
        Assert.True(first.Client.BytesUploaded > new FileInfo(Model).Length);

        var (code, raw, err) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/tiny:1"]);
        Assert.True(code == 0, err);
        Assert.Equal(image.Index.Bytes, System.Text.Encoding.UTF8.GetBytes(raw.TrimEnd('\n'))); // the exact bytes we hashed
        var platforms = JsonNode.Parse(raw)!["manifests"]!.AsArray().Select(m => $"{m!["platform"]!["os"]}/{m["platform"]!["architecture"]}");
        Assert.Equal(["linux/amd64", "linux/arm64"], platforms);

        var second = Store(http, registry, "hearth/tiny");
        var again = await ImageWriter.WriteAsync(image, second, "1", CancellationToken.None);
        Assert.Equal((0, 0L), (again.BlobsWritten, second.Client.BytesUploaded));
    }

    [Fact]
    public async Task Blobs_are_mounted_from_another_repository_instead_of_uploaded()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        using var http = new HttpClient();
        var image = await TinyImageAsync(dir);
        await ImageWriter.WriteAsync(image, Store(http, registry, "hearth/a"), "1", CancellationToken.None);

        var b = Store(http, registry, "hearth/b");
        b.MountFrom.Add("hearth/a");
        var result = await ImageWriter.WriteAsync(image, b, "1", CancellationToken.None);
        Assert.Equal(0L, b.Client.BytesUploaded);
        Assert.Equal(0, result.BlobsWritten);
        var (code, _, err) = await Tools.RunAsync("skopeo", ["inspect", "--tls-verify=false", "--raw", $"docker://{registry.Host}/hearth/b:1"]);
        Assert.True(code == 0, err);
    }

    [Fact]
    public async Task A_push_cut_off_by_a_registry_crash_tags_nothing_and_the_next_push_resumes_the_layer()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        using var http = new HttpClient();
        var image = await TinyImageAsync(dir);
        var modelLayer = image.Images[0].Layers[1];
        var state = dir.File("uploads");
        var options = new RegistryOptions { ChunkSize = 256 << 10, UploadStateDirectory = state };
        options.ChunkUploaded = (digest, done, _) =>
        {
            if (digest == modelLayer.Descriptor.Digest && done >= 512 << 10)
            {
                registry.Kill(); // the registry goes away in the middle of the model layer
            }
        };

        var first = Store(http, registry, "hearth/tiny", options);
        await Assert.ThrowsAsync<RegistryException>(() => ImageWriter.WriteAsync(image, first, "1", CancellationToken.None));

        await registry.StartAgainAsync();
        var probe = Store(http, registry, "hearth/tiny");
        await Assert.ThrowsAsync<KeyNotFoundException>(() => probe.GetManifestAsync("1", CancellationToken.None)); // no tag on a half push

        options.ChunkUploaded = null;
        var second = Store(http, registry, "hearth/tiny", options);
        await ImageWriter.WriteAsync(image, second, "1", CancellationToken.None);
        var modelBytes = modelLayer.Descriptor.Size;
        Assert.True(second.Client.BytesUploaded < modelBytes, $"resumed push sent {second.Client.BytesUploaded} bytes, the model layer is {modelBytes}");
        var (code, _, err) = await Tools.RunAsync("skopeo", ["inspect", "--tls-verify=false", "--raw", $"docker://{registry.Host}/hearth/tiny:1"]);
        Assert.True(code == 0, err);
        Assert.Empty(Directory.GetFiles(state));
    }

    [Fact]
    public async Task Basic_auth_from_the_challenge_works_and_refused_credentials_are_a_clear_error()
    {
        await using var registry = await RegistryServer.StartAsync(("hearth", "s3cret"));
        using var dir = new TempDir();
        using var http = new HttpClient();
        var image = await TinyImageAsync(dir);

        var anonymous = Store(http, registry, "hearth/tiny");
        var none = await Assert.ThrowsAsync<RegistryAuthException>(() => anonymous.Client.PingAsync(CancellationToken.None));
        Assert.Contains("credentials required", none.Message, StringComparison.Ordinal);
        var wrong = Store(http, registry, "hearth/tiny", credentials: new RegistryCredentials("hearth", "wrong"));
        var refused = await Assert.ThrowsAsync<RegistryAuthException>(() => ImageWriter.WriteAsync(image, wrong, "1", CancellationToken.None));
        Assert.Contains("user 'hearth' was not accepted", refused.Message, StringComparison.Ordinal);

        var good = Store(http, registry, "hearth/tiny", credentials: new RegistryCredentials("hearth", "s3cret"));
        await ImageWriter.WriteAsync(image, good, "1", CancellationToken.None);
        var (code, _, err) = await Tools.RunAsync("skopeo", ["inspect", "--tls-verify=false", "--creds", "hearth:s3cret", "--raw", $"docker://{registry.Host}/hearth/tiny:1"]);
        Assert.True(code == 0, err);
    }

    [Fact]
    public async Task Skopeo_copies_the_amd64_image_to_a_layout_that_umoci_unpacks_with_the_model_inside()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        using var http = new HttpClient();
        var image = await TinyImageAsync(dir);
        await ImageWriter.WriteAsync(image, Store(http, registry, "hearth/tiny"), "1", CancellationToken.None);

        var layout = dir.File("layout");
        var (code, _, err) = await Tools.RunAsync("skopeo", ["copy", "--src-tls-verify=false", "--override-arch", "amd64", $"docker://{registry.Host}/hearth/tiny:1", $"oci:{layout}:amd64"]);
        Assert.True(code == 0, err);
        var bundle = dir.File("bundle");
        (code, _, err) = await Tools.RunAsync("umoci", ["unpack", "--image", $"{layout}:amd64", bundle]);
        Assert.True(code == 0, err);
        Assert.Equal(Tools.Sha256(Model), Tools.Sha256(Path.Combine(bundle, "rootfs", "models", "tiny.gguf")));
        Assert.Equal("runtime for linux/amd64", File.ReadAllText(Path.Combine(bundle, "rootfs", "app", "hearth")));
        var serve = JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "rootfs", "etc", "hearth", "serve.json")))!;
        Assert.Equal(0.7, (double)serve["models"]![0]!["parameters"]!["temperature"]!);
        var defaults = File.ReadAllText(Path.Combine(bundle, "rootfs", "etc", "hearth", "defaults", "tiny.json"));
        Assert.Equal(0.7f, Hearth.Server.ModelDefaults.Parse(defaults, "tiny.json").Temperature);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "config.json")))!;
        Assert.Equal("/app/hearth", (string?)config["process"]!["args"]![0]);
    }

    [Fact]
    public async Task Pull_reads_back_what_was_pushed_into_a_layout()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        using var http = new HttpClient();
        var image = await TinyImageAsync(dir);
        await ImageWriter.WriteAsync(image, Store(http, registry, "hearth/tiny"), "1", CancellationToken.None);

        var io = new ImageIo(http, dir.File("cache"));
        var pulled = await io.ReadAsync(ImageLocation.Parse($"{registry.Host}/hearth/tiny:1"), CancellationToken.None);
        Assert.Equal(image.Digest, pulled.Digest);
        var result = await io.WriteAsync(pulled, ImageLocation.Parse("oci:" + dir.File("pulled") + ":1"), null, null, CancellationToken.None);
        Assert.Equal(image.Digest, result.IndexDigest);
        var layer = image.Images[0].Layers[1].Descriptor.Digest;
        Assert.True(File.Exists(Path.Combine(dir.File("pulled"), "blobs", "sha256", Digest.Hex(layer))));
    }
}
