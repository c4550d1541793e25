using System.Formats.Tar;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Server;
using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>Two builds of one spec, in different folders, umasks, time zones and times, give the same index digest.</summary>
public sealed class ReproducibleBuildTests
{
    internal static string TinySpec(string modelPath, string platforms = "[linux/amd64, linux/arm64]") => $"""
        apiVersion: hearth.dev/v1
        name: tiny
        models:
          - name: tiny
            source: {modelPath}
            sha256: {Tools.Sha256(modelPath)}
            license: MIT
            parameters: {"{"}temperature: 0.7{"}"}
        platforms: {platforms}
        serve: {"{"}port: 8080, parallel: 2{"}"}
        labels: {"{"}org.opencontainers.image.licenses: MIT{"}"}
        """;

    /// <summary>Builds the image set of a one-model spec in memory (the spec's model resolved to the local file).</summary>
    private static async Task<ImageSet> BuildTinyAsync(TempDir dir, string model, string yaml)
    {
        var spec = Build.Packager.LoadSpec(dir.File("hearth.pack.yaml", yaml), out _);
        var resolved = new Sources.ResolvedModel(spec.Models[0], model, new FileInfo(model).Length);
        return await new Build.ModelImageBuilder().BuildAsync(spec, [resolved], await FakeRuntime.CreateAsync(), DateTimeOffset.UnixEpoch, CancellationToken.None);
    }

    [Fact]
    public async Task Two_cli_builds_in_different_dirs_umasks_and_time_zones_give_the_same_index_digest()
    {
        using var runtimeDir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(runtimeDir.Path);
        var model = SharedData.Model("llama-2-tiny-random.gguf");
        var digests = new List<string>();
        var layouts = new List<string>();
        using var a = new TempDir();
        using var b = new TempDir();
        foreach (var (dir, umask, tz) in new[] { (a, "022", "UTC"), (b, "077", "Pacific/Kiritimati") })
        {
            var spec = dir.File("work/hearth.pack.yaml", TinySpec(model));
            var env = new Dictionary<string, string> { ["HEARTH_HOME"] = dir.File("home"), ["TZ"] = tz, ["SOURCE_DATE_EPOCH"] = "" };
            var (code, stdout, stderr) = await Tools.HearthAsync(umask, env, Path.GetDirectoryName(spec)!,
                "pack", "build", "hearth.pack.yaml", "--runtime", "oci:" + runtime, "--output", "oci:" + dir.File("out"));
            Assert.True(code == 0, stderr);
            digests.Add(stdout.Trim());
            layouts.Add(dir.File("out"));
            await Task.Delay(1100); // a different second on the clock for the second build
        }

        Assert.Matches("^sha256:[0-9a-f]{64}$", digests[0]);
        Assert.Equal(digests[0], digests[1]);
        var files = layouts.Select(l => Directory.GetFiles(Path.Combine(l, "blobs", "sha256")).Select(Path.GetFileName).Order().ToList()).ToList();
        Assert.Equal(files[0], files[1]);
    }

    [Fact]
    public async Task A_models_template_is_packed_and_handed_to_serve_for_that_model()
    {
        using var dir = new TempDir();
        var model = SharedData.Model("llama-2-tiny-random.gguf");
        File.WriteAllText(Path.Combine(dir.Path, "chat.jinja"), "{% for m in messages %}{{ m.content }}{% endfor %}");
        var yaml = TinySpec(model).Replace("    license: MIT\n", "    license: MIT\n    template: ./chat.jinja\n", StringComparison.Ordinal);
        var set = await BuildTinyAsync(dir, model, yaml);

        var entrypoint = set.Images[0].ConfigJson()["config"]!["Entrypoint"]!.ToJsonString();
        Assert.EndsWith(""","--model","/models/tiny.gguf","--chat-template","tiny=/etc/hearth/templates/tiny.jinja","--model-defaults","tiny=/etc/hearth/defaults/tiny.json"]""",
            entrypoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_api_key_variable_is_handed_to_serve()
    {
        using var dir = new TempDir();
        var model = SharedData.Model("llama-2-tiny-random.gguf");
        var yaml = TinySpec(model).Replace("serve: {port: 8080, parallel: 2}", "serve: {port: 8080, parallel: 2, api_key_env: MY_SECRET}", StringComparison.Ordinal);
        var set = await BuildTinyAsync(dir, model, yaml);

        var args = set.Images[0].ConfigJson()["config"]!["Entrypoint"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal("MY_SECRET", args[args.IndexOf("--api-key-env") + 1]);
    }

    [Fact]
    public async Task A_models_parameters_are_packed_as_serving_defaults_that_hearth_serve_reads()
    {
        using var dir = new TempDir();
        var model = SharedData.Model("llama-2-tiny-random.gguf");
        var yaml = TinySpec(model).Replace("parameters: {temperature: 0.7}", "parameters: {temperature: 0, top_k: 5, seed: 7, ctx: 256}", StringComparison.Ordinal);
        var set = await BuildTinyAsync(dir, model, yaml);

        // No server-wide --ctx: the model's ctx travels with its other defaults.
        var args = set.Images[0].ConfigJson()["config"]!["Entrypoint"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.DoesNotContain("--ctx", args);
        var file = args[args.IndexOf("--model-defaults") + 1]["tiny=/".Length..];

        using var tar = new MemoryStream();
        await set.Images[0].Layers[^1].Blob.CopyToAsync(tar, CancellationToken.None);
        tar.Position = 0;
        using var reader = new TarReader(tar);
        string? json = null;
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.Name == file)
            {
                json = new StreamReader(entry.DataStream!).ReadToEnd();
            }
        }

        Assert.Equal("""{"ctx":256,"seed":7,"temperature":0,"top_k":5}""", json);
        var defaults = ModelDefaults.Parse(json!, file); // exactly what `hearth serve --model-defaults` parses
        Assert.Equal(new ModelDefaults { Temperature = 0, TopK = 5, Seed = 7, ContextLength = 256 }, defaults);
        Assert.Equal(Spec.SpecParser.ParameterRanges.OrderBy(p => p.Key), ModelDefaults.Ranges.OrderBy(p => p.Key)); // the spec accepts what serve accepts
    }

    [Fact]
    public async Task Model_layers_are_sorted_deterministic_tars_shared_between_platforms()
    {
        using var dir = new TempDir();
        var model = SharedData.Model("llama-2-tiny-random.gguf");
        var set = await BuildTinyAsync(dir, model, TinySpec(model));

        Assert.Equal(2, set.Images.Count);
        var amd = set.Images[0];
        var arm = set.Images[1];
        Assert.Equal(amd.Layers[1].Descriptor.Digest, arm.Layers[1].Descriptor.Digest); // the model layer, once for both
        Assert.NotEqual(amd.Layers[0].Descriptor.Digest, arm.Layers[0].Descriptor.Digest);
        Assert.Equal(4, set.Blobs().Count(b => b is TarLayer)); // 2 runtime layers + 1 model + 1 config

        var config = amd.ConfigJson();
        Assert.Equal(new JsonArray([.. amd.Layers.Select(l => (JsonNode)l.Descriptor.Digest)]).ToJsonString(), config["rootfs"]!["diff_ids"]!.ToJsonString());
        Assert.Equal("""["/app/hearth","serve","--host","0.0.0.0","--port","8080","--parallel","2","--model","/models/tiny.gguf","--model-defaults","tiny=/etc/hearth/defaults/tiny.json"]""",
            config["config"]!["Entrypoint"]!.ToJsonString());
        Assert.NotNull(config["config"]!["ExposedPorts"]!["8080/tcp"]);
        Assert.Equal(Tools.Sha256(model), (string?)config["config"]!["Labels"]!["dev.hearth.model.tiny.sha256"]);
        Assert.Equal("1970-01-01T00:00:00Z", (string?)config["created"]);

        // The model layer: one ustar entry per path, parents first, uid/gid 0, fixed modes, epoch mtimes.
        using var tar = new MemoryStream();
        await amd.Layers[1].Blob.CopyToAsync(tar, CancellationToken.None);
        tar.Position = 0;
        using var reader = new TarReader(tar);
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add(entry);
        }

        Assert.Equal(["models/", "models/tiny.gguf"], entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal((0, 0, DateTimeOffset.UnixEpoch), (e.Uid, e.Gid, e.ModificationTime)));
        Assert.Equal(LayerItem.Modes.Regular, entries[1].Mode);
        Assert.Equal(new FileInfo(model).Length, entries[1].Length);
        Assert.Equal(amd.Layers[1].Descriptor.Digest, Digest.Of(tar.ToArray()));
    }

    [Fact]
    public async Task Sizes_over_ustar_limits_and_long_names_use_pax_headers_without_time_fields()
    {
        var name = string.Join('/', Enumerable.Repeat(new string('d', 60), 5)) + "/file";
        var layer = await TarLayer.CreateAsync([LayerItem.FromBytes(name, [1, 2, 3])], DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), CancellationToken.None);
        using var tar = new MemoryStream();
        await layer.CopyToAsync(tar, CancellationToken.None);
        tar.Position = 0;
        using var reader = new TarReader(tar);
        TarEntry? last = null;
        while (reader.GetNextEntry() is { } entry)
        {
            last = entry;
        }

        var pax = Assert.IsType<PaxTarEntry>(last);
        Assert.Equal(name, pax.Name);
        Assert.DoesNotContain("atime", pax.ExtendedAttributes.Keys);
        Assert.DoesNotContain("ctime", pax.ExtendedAttributes.Keys);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), pax.ModificationTime);
        Assert.True(TarLayer.UstarMaxSize < 8L << 30); // files from 8 GiB on take the PAX branch too
    }

    [Fact]
    public void Canonical_json_sorts_keys_at_every_level()
    {
        var a = JsonNode.Parse("""{"b":1,"a":{"y":[{"d":1,"c":2}],"x":null}}""")!;
        Assert.Equal("""{"a":{"x":null,"y":[{"c":2,"d":1}]},"b":1}""", System.Text.Encoding.UTF8.GetString(CanonicalJson.Serialize(a)));
    }
}
