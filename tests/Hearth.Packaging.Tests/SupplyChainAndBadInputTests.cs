using System.Text.Json.Nodes;
using Hearth.Store.Tests;
using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>
/// The CLI end to end on bad input and on the supply-chain checks: SBOM referrer, verify, sha256
/// mismatches, non-GGUF sources, refused auth. Each failure must exit non-zero with a clear line
/// and leave nothing in the registry that a tag points to.
/// </summary>
public sealed class SupplyChainAndBadInputTests
{
    private static readonly string Model = SharedData.Model("llama-2-tiny-random.gguf");

    private static async Task<(int Code, string Out, string Err)> PackAsync(TempDir dir, params string[] args) =>
        await Tools.HearthAsync("022", new Dictionary<string, string> { ["HEARTH_HOME"] = dir.File("home") }, dir.Path, ["pack", .. args]);

    private static async Task<string[]> CatalogAsync(RegistryServer registry)
    {
        using var http = new HttpClient();
        var json = JsonNode.Parse(await http.GetStringAsync($"http://{registry.Host}/v2/_catalog"))!;
        return [.. json["repositories"]!.AsArray().Select(r => (string)r!)];
    }

    [Fact]
    public async Task A_pushed_image_carries_an_spdx_sbom_referrer_and_verifies_against_its_spec()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var spec = dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(Model));
        var (code, stdout, stderr) = await PackAsync(dir, "build", spec, "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.True(code == 0, stderr);
        var digest = stdout.Trim();

        var (c, raw, err) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/tiny:sha256-{digest[7..]}"]);
        Assert.True(c == 0, err);
        var referrer = JsonNode.Parse(raw)!["manifests"]![0]!;
        Assert.Equal("application/spdx+json", (string?)referrer["artifactType"]);

        (code, stdout, stderr) = await PackAsync(dir, "verify", $"{registry.Host}/hearth/tiny:1", "--spec", spec);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("ok    model tiny: file in layer hashes to " + Tools.Sha256(Model), stdout, StringComparison.Ordinal);
        Assert.Contains("ok    SBOM sha256:", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_fails_on_a_tampered_blob_and_on_a_spec_with_another_sha256()
    {
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var spec = dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(Model));
        var layout = dir.File("out");
        var (code, _, stderr) = await PackAsync(dir, "build", spec, "--runtime", "oci:" + runtime, "--output", $"oci:{layout}:1");
        Assert.True(code == 0, stderr);

        var other = dir.File("other.yaml", ReproducibleBuildTests.TinySpec(Model).Replace(Tools.Sha256(Model), new string('a', 64), StringComparison.Ordinal));
        var (badSpec, stdout, _) = await PackAsync(dir, "verify", $"oci:{layout}:1", "--spec", other);
        Assert.Equal(4, badSpec);
        Assert.Contains("FAIL  spec model tiny: spec sha256 aaaa", stdout, StringComparison.Ordinal);

        var modelBlob = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")).Single(f => new FileInfo(f).Length > 1_000_000);
        File.SetAttributes(modelBlob, FileAttributes.Normal);
        using (var stream = File.Open(modelBlob, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 600_000;
            var b = stream.ReadByte();
            stream.Position = 600_000;
            stream.WriteByte((byte)(b ^ 0xff));
        }

        (code, stdout, _) = await PackAsync(dir, "verify", $"oci:{layout}:1");
        Assert.Equal(4, code);
        Assert.Contains("FAIL  blob sha256:", stdout, StringComparison.Ordinal);
        Assert.Contains("FAIL  model tiny", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_sha256_or_a_non_gguf_source_pushes_nothing()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var wrong = dir.File("wrong.yaml", ReproducibleBuildTests.TinySpec(Model).Replace(Tools.Sha256(Model), new string('b', 64), StringComparison.Ordinal));
        var (code, _, stderr) = await PackAsync(dir, "build", wrong, "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.Equal(4, code);
        Assert.Contains("sha256 mismatch", stderr, StringComparison.Ordinal);

        var text = dir.File("notes.gguf", "this is not a model, just text long enough to hash\n");
        var notGguf = dir.File("text.yaml", ReproducibleBuildTests.TinySpec(text));
        (code, _, stderr) = await PackAsync(dir, "build", notGguf, "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.Equal(4, code);
        Assert.Contains("is not a GGUF model file", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await PackAsync(dir, "build", dir.File("missing.yaml"), "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.Equal(3, code);
        Assert.Empty(await CatalogAsync(registry)); // nothing reached the registry
    }

    [Fact]
    public async Task Spec_errors_are_all_listed_with_lines_and_exit_non_zero()
    {
        using var dir = new TempDir();
        var spec = dir.File("bad.yaml", "apiVersion: hearth.dev/v1\nname: t\nmodels:\n  - name: t\n    source: ./t.gguf\n    sha256: 12\nplatforms: [linux/s390x]\nextra: 1\n");
        var (code, _, stderr) = await PackAsync(dir, "build", spec, "--output", "oci:" + dir.File("out"));
        Assert.Equal(4, code);
        Assert.Contains("3 errors", stderr, StringComparison.Ordinal);
        Assert.Contains("models[0].sha256 (line 6:13): must be 64 hex digits", stderr, StringComparison.Ordinal);
        Assert.Contains("platforms[0] (line 7:13): unknown platform 'linux/s390x'", stderr, StringComparison.Ordinal);
        Assert.Contains("extra (line 8:1): unknown key 'extra'", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public async Task A_registry_that_refuses_the_credentials_is_a_clear_network_error()
    {
        await using var registry = await RegistryServer.StartAsync(("hearth", "right"));
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var spec = dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(Model));
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = dir.File("home"), ["HEARTH_REGISTRY_USER"] = "hearth", ["HEARTH_REGISTRY_PASSWORD"] = "wrong" };
        var (code, _, stderr) = await Tools.HearthAsync("022", env, dir.Path, "pack", "build", spec, "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.Equal(7, code);
        Assert.Contains($"registry {registry.Host} refused authentication: user 'hearth' was not accepted", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_https_source_goes_through_the_store_downloader_and_a_mismatch_is_deleted()
    {
        await using var server = await TestFileServer.StartAsync();
        server.Files["tiny.gguf"] = File.ReadAllBytes(Model);
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var url = server.FileUrl("tiny.gguf").ToString();
        var spec = dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(Model).Replace("source: " + Model, "source: " + url, StringComparison.Ordinal));
        var (code, stdout, stderr) = await PackAsync(dir, "build", spec, "--runtime", "oci:" + runtime, "--output", "oci:" + dir.File("out"));
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(dir.File("home"), "models", "blobs", "sha256-" + Tools.Sha256(Model)))); // in the store's blob cache

        // The same spec built from the local file gives the same layers (labels differ: the source is part of them).
        var requests = server.Requests.Count;
        (code, _, stderr) = await PackAsync(dir, "build", spec, "--runtime", "oci:" + runtime, "--output", "oci:" + dir.File("out2"));
        Assert.True(code == 0, stderr);
        Assert.Equal(requests, server.Requests.Count); // cached: not downloaded again
        Assert.Equal(stdout, (await PackAsync(dir, "build", spec, "--runtime", "oci:" + runtime, "--output", "oci:" + dir.File("out3"))).Out);

        // Served bytes that do not match: a fresh cache (the old one already holds that sha256) downloads, checks, deletes.
        server.Files["bad.gguf"] = [.. File.ReadAllBytes(Model).Take(1000)];
        using var fresh = new TempDir();
        var bad = fresh.File("bad.yaml", File.ReadAllText(spec).Replace("tiny.gguf", "bad.gguf", StringComparison.Ordinal));
        (code, _, stderr) = await PackAsync(fresh, "build", bad, "--runtime", "oci:" + runtime, "--output", "oci:" + fresh.File("out"));
        Assert.Equal(4, code);
        Assert.Contains("sha256 mismatch", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(fresh.File("home"), "models", "partial")));
        Assert.Empty(Directory.GetFiles(Path.Combine(fresh.File("home"), "models", "blobs")));
        Assert.False(Directory.Exists(fresh.File("out")));
    }

    [Fact]
    public async Task Format_modelpack_pushes_each_model_as_a_raw_weight_artifact_whose_digest_is_the_spec_sha256()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var spec = dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(Model));
        var (code, _, stderr) = await PackAsync(dir, "build", spec, "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tiny:1", "--format", "modelpack");
        Assert.True(code == 0, stderr);

        var (c, raw, err) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/tiny:1-tiny"]);
        Assert.True(c == 0, err);
        var manifest = JsonNode.Parse(raw)!;
        Assert.Equal("application/vnd.cncf.model.manifest.v1+json", (string?)manifest["artifactType"]);
        Assert.Equal("application/vnd.cncf.model.config.v1+json", (string?)manifest["config"]!["mediaType"]);
        var layer = manifest["layers"]![0]!;
        Assert.Equal("application/vnd.cncf.model.weight.v1.raw", (string?)layer["mediaType"]);
        Assert.Equal("sha256:" + Tools.Sha256(Model), (string?)layer["digest"]);
        Assert.Equal("tiny.gguf", (string?)layer["annotations"]!["org.cncf.model.filepath"]);

        (c, raw, err) = await Tools.RunAsync("skopeo", ["inspect", "--config", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/tiny:1-tiny"]);
        Assert.True(c == 0, err);
        var config = JsonNode.Parse(raw)!;
        Assert.Equal("gguf", (string?)config["config"]!["format"]);
        Assert.Equal("sha256:" + Tools.Sha256(Model), (string?)config["modelfs"]!["diffIds"]![0]);
    }
}
