using System.Text;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;
using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>
/// <c>oci://</c> model sources against a real docker-registry: a ModelPack artifact pushed by
/// <c>pack build --format modelpack</c>, and an Ollama-shaped model pushed here with Ollama's media
/// types. The model file lands in the blob cache; a wrong sha256 or a full cache disk pushes nothing.
/// </summary>
public sealed class OciSourceTests
{
    private static readonly string Model = SharedData.Model("llama-2-tiny-random.gguf");

    private static Task<(int Code, string Out, string Err)> PackAsync(string home, TempDir dir, params string[] args) =>
        Tools.HearthAsync("022", new Dictionary<string, string> { ["HEARTH_HOME"] = home }, dir.Path, ["pack", .. args]);

    private static string Spec(TempDir dir, string name, string source, string sha256) =>
        dir.File(name + ".yaml", ReproducibleBuildTests.TinySpec(Model).Replace("source: " + Model, "source: " + source, StringComparison.Ordinal)
            .Replace(Tools.Sha256(Model), sha256, StringComparison.Ordinal));

    private static async Task<string[]> CatalogAsync(RegistryServer registry)
    {
        using var http = new HttpClient();
        var json = JsonNode.Parse(await http.GetStringAsync($"http://{registry.Host}/v2/_catalog"))!;
        return [.. json["repositories"]!.AsArray().Select(r => (string)r!)];
    }

    /// <summary>An Ollama registry model as Ollama pushes it: Docker v2 manifest, Docker config, the GGUF as an ollama.image.model layer, a template layer.</summary>
    private static async Task PushOllamaModelAsync(RegistryServer registry, string repository, string tag)
    {
        using var http = new HttpClient();
        var client = new RegistryClient(http, registry.Host);
        var model = new FileBlob(Model, Digest.FromHex(Tools.Sha256(Model)), new FileInfo(Model).Length);
        var template = new BytesBlob(Encoding.UTF8.GetBytes("{{ .Prompt }}"));
        var config = new BytesBlob(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["model_format"] = "gguf",
            ["model_family"] = "llama",
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(model.Digest, template.Digest) },
        }.ToJsonString()));
        foreach (var blob in new Blob[] { model, template, config })
        {
            await client.UploadBlobAsync(repository, blob, CancellationToken.None);
        }

        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.DockerManifest,
            ["config"] = config.Describe(MediaTypes.OllamaConfig).ToJson(),
            ["layers"] = new JsonArray(model.Describe(MediaTypes.OllamaModel).ToJson(), template.Describe("application/vnd.ollama.image.template").ToJson()),
        };
        await client.PutManifestAsync(repository, tag, new BytesBlob(Encoding.UTF8.GetBytes(manifest.ToJsonString())), MediaTypes.DockerManifest, CancellationToken.None);
    }

    [Fact]
    public async Task A_modelpack_artifact_pushed_by_format_modelpack_is_a_model_source_for_the_next_build()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var sha = Tools.Sha256(Model);
        var (code, _, stderr) = await PackAsync(dir.File("home-a"), dir, "build", dir.File("local.yaml", ReproducibleBuildTests.TinySpec(Model)),
            "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tiny:1", "--format", "modelpack");
        Assert.True(code == 0, stderr);

        // A fresh HEARTH_HOME: the model can only come from the registry.
        var home = dir.File("home-b");
        var spec = Spec(dir, "from-oci", $"oci://{registry.Host}/hearth/tiny:1-tiny", sha);
        (code, var stdout, stderr) = await PackAsync(home, dir, "build", spec, "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/from-oci:1");
        Assert.True(code == 0, stderr);
        Assert.Equal(sha, Tools.Sha256(Path.Combine(home, "models", "blobs", "sha256-" + sha)));

        (code, stdout, stderr) = await PackAsync(home, dir, "verify", $"{registry.Host}/hearth/from-oci:1", "--spec", spec);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("ok    model tiny: file in layer hashes to " + sha, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ollama_registry_model_is_a_model_source_and_a_wrong_sha256_pushes_nothing()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        await PushOllamaModelAsync(registry, "library/tiny", "f32");
        var sha = Tools.Sha256(Model);

        var home = dir.File("home");
        var (code, _, stderr) = await PackAsync(home, dir, "build", Spec(dir, "ollama", $"oci://{registry.Host}/library/tiny:f32", sha),
            "--runtime", "oci:" + runtime, "--output", "oci:" + dir.File("out") + ":1");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(home, "models", "blobs", "sha256-" + sha)));

        var wrongHome = dir.File("home-wrong");
        (code, _, stderr) = await PackAsync(wrongHome, dir, "build", Spec(dir, "wrong", $"oci://{registry.Host}/library/tiny:f32", new string('b', 64)),
            "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/wrong:1");
        Assert.Equal(4, code);
        Assert.Contains("sha256 mismatch", stderr, StringComparison.Ordinal);
        Assert.Equal(["library/tiny"], await CatalogAsync(registry)); // nothing of the failed build reached the registry
        Assert.False(Directory.Exists(Path.Combine(wrongHome, "models", "blobs")) && Directory.EnumerateFiles(Path.Combine(wrongHome, "models", "blobs")).Any());

        (code, _, stderr) = await PackAsync(wrongHome, dir, "build", Spec(dir, "missing", $"oci://{registry.Host}/library/absent:1", sha),
            "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/wrong:1");
        Assert.NotEqual(0, code);
        Assert.Contains("library/absent:1 not found", stderr, StringComparison.Ordinal);

        // A registry serving other bytes under the digest (its stored blob overwritten on disk): the
        // hash on the way into the cache catches it, the partial file is deleted, nothing is pushed.
        var stored = Path.Combine(registry.Storage, "docker", "registry", "v2", "blobs", "sha256", sha[..2], sha, "data");
        File.WriteAllBytes(stored, new byte[new FileInfo(stored).Length]);
        var tamperedHome = dir.File("home-tampered");
        (code, _, stderr) = await PackAsync(tamperedHome, dir, "build", Spec(dir, "tampered", $"oci://{registry.Host}/library/tiny:f32", sha),
            "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tampered:1");
        Assert.Equal(4, code);
        Assert.Contains("does not match its digest", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(tamperedHome, "models"), "*", SearchOption.AllDirectories)); // no blob, no partial
        Assert.Equal(["library/tiny"], await CatalogAsync(registry));
    }

    [Fact]
    public async Task A_full_blob_cache_disk_is_a_clear_error_and_pushes_nothing()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        await PushOllamaModelAsync(registry, "library/tiny", "f32");
        var home = dir.File("tiny-disk/x")[..^2];
        Directory.CreateDirectory(home);

        // A real full disk: a 1 MiB tmpfs under HEARTH_HOME (the model is 1.7 MB). We run as root in CI.
        var (mount, _, mountErr) = await Tools.RunAsync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", home]);
        Assert.True(mount == 0, "mount tmpfs (root required): " + mountErr);
        try
        {
            var (code, _, stderr) = await PackAsync(home, dir, "build", Spec(dir, "full", $"oci://{registry.Host}/library/tiny:f32", Tools.Sha256(Model)),
                "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/full:1");
            Assert.Equal(9, code); // ExitCodes.DiskFull
            Assert.Contains("no space left in the blob cache", stderr, StringComparison.Ordinal);
            Assert.Contains("nothing was pushed", stderr, StringComparison.Ordinal);
            Assert.Equal(["library/tiny"], await CatalogAsync(registry));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(home, "models", "partial")));
        }
        finally
        {
            await Tools.RunAsync("umount", [home]);
        }
    }
}
