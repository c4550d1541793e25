using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Spec;

namespace Hearth.Packaging.Tests;

public sealed class SpecParserTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private const string Sha = "e4650dd6b8d5b2e6f6a3f0a8e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4";

    private static PackSpec Parse(string yaml, string? dir = null) =>
        SpecParser.Parse(new StringReader(yaml), "test.yaml", dir ?? Path.GetTempPath());

    [Fact]
    public void The_issue_example_binds_to_typed_records()
    {
        var spec = Parse($$"""
            apiVersion: hearth.dev/v1
            name: llama-3.2-1b-instruct
            models:
              - name: llama-3.2-1b-instruct
                source: hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF@{{Commit}}:Llama-3.2-1B-Instruct-Q4_K_M.gguf
                sha256: {{Sha}}
                parameters: {temperature: 0.7, ctx: 4096}
            platforms: [linux/amd64, linux/arm64]
            runtime: {image: "ghcr.io/hearth/runtime@sha256:{{Sha}}"}
            serve: {port: 8080, parallel: 4, api_key_env: HEARTH_API_KEY}
            labels: {org.opencontainers.image.licenses: llama3.2}
            """);
        Assert.Equal("llama-3.2-1b-instruct", spec.Name);
        var model = Assert.Single(spec.Models);
        var hub = Assert.IsType<HubSource>(model.Source);
        Assert.Equal(("bartowski", "Llama-3.2-1B-Instruct-GGUF", Commit, "Llama-3.2-1B-Instruct-Q4_K_M.gguf"), (hub.Owner, hub.Repository, hub.Commit, hub.File));
        Assert.Equal(0.7, model.Parameters["temperature"]);
        Assert.Equal(4096L, model.Parameters["ctx"]);
        Assert.Equal([Platform.LinuxAmd64, Platform.LinuxArm64], spec.Platforms);
        Assert.Equal(new ServeSpec(8080, 4, "HEARTH_API_KEY", null), spec.Serve);
        Assert.Equal("llama3.2", spec.Labels["org.opencontainers.image.licenses"]);
    }

    [Fact]
    public void Every_error_is_reported_at_once_with_path_and_line_and_column()
    {
        var ex = Assert.Throws<SpecValidationException>(() => Parse($$"""
            apiVersion: hearth.dev/v1
            name: Bad Name
            models:
              - name: tiny
                source: hf.co/owner/repo@main:tiny.gguf
                sha265: {{Sha}}
              - name: other
                source: ./x.gguf
                sha256: e4650dd6
                parameters: {temperature: 9, topp: 1}
            platforms: [linux/amd64, windows/amd64]
            serve: {port: 99999}
            """));
        var lines = ex.Errors.Select(e => e.ToString()).ToList();
        var all = string.Join("\n", lines);
        Assert.True(lines.Contains("name (line 2:7): must be lower-case letters, digits, '.', '_' or '-' (at most 128, starting with a letter or digit)"), all);
        Assert.True(lines.Any(l => l.StartsWith("models[0].source (line 5:13): 'main' is a branch or tag, not a commit", StringComparison.Ordinal)), all);
        Assert.Contains(lines, l => l.StartsWith("models[0].sha265 (line 6:5): unknown key 'sha265'; did you mean 'sha256'?", StringComparison.Ordinal));
        Assert.True(lines.Contains("models[0].sha256 (line 4:5): is required"), all);
        Assert.True(lines.Contains("models[1].sha256 (line 9:13): must be 64 hex digits"), all);
        Assert.True(lines.Contains("models[1].parameters.temperature (line 10:31): must be between 0 and 2"), all);
        Assert.Contains(lines, l => l.StartsWith("models[1].parameters.topp (line 10:34): unknown key 'topp'; did you mean 'top_p'?", StringComparison.Ordinal));
        Assert.True(lines.Any(l => l.StartsWith("platforms[1] (line 11:26): unknown platform 'windows/amd64'", StringComparison.Ordinal)), all);
        Assert.True(lines.Contains("serve.port (line 12:15): must be between 1 and 65535"), all);
        Assert.Equal(9, ex.Errors.Count);
        Assert.Contains("9 errors", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("source: hf.co/owner/repo:file.gguf", "must name a commit")]
    [InlineData("source: ftp://example.org/x.gguf", "unsupported source scheme")]
    [InlineData("source: oci://Registry/UPPER", "bad repository")]
    public void Bad_sources_are_errors_at_their_position(string sourceLine, string expected)
    {
        var ex = Assert.Throws<SpecValidationException>(() => Parse($"apiVersion: hearth.dev/v1\nname: t\nmodels:\n  - name: t\n    {sourceLine}\n    sha256: {Sha}\n"));
        var error = Assert.Single(ex.Errors);
        Assert.Equal(("models[0].source", 5, 13), (error.Path, error.Line, error.Column));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_syntax_errors_and_duplicate_keys_carry_positions()
    {
        var syntax = Assert.Throws<SpecValidationException>(() => Parse("apiVersion: hearth.dev/v1\nname: [unclosed\n"));
        Assert.True(Assert.Single(syntax.Errors).Line > 0);
        var duplicate = Assert.Throws<SpecValidationException>(() => Parse("apiVersion: hearth.dev/v1\nname: a\nname: b\n"));
        Assert.Contains("name", Assert.Single(duplicate.Errors).ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_template_path_must_exist_relative_to_the_spec()
    {
        using var dir = new TempDir();
        dir.File("chat.jinja", "{{ messages }}");
        var spec = Parse($"apiVersion: hearth.dev/v1\nname: t\nmodels:\n  - name: t\n    source: ./t.gguf\n    sha256: {Sha}\n    template: ./chat.jinja\n", dir.Path);
        Assert.Equal(Path.Combine(dir.Path, "chat.jinja"), spec.Models[0].TemplatePath);
        Assert.Equal(new LocalSource("./t.gguf") { FullPath = Path.Combine(dir.Path, "t.gguf") }, spec.Models[0].Source);
        var ex = Assert.Throws<SpecValidationException>(() =>
            Parse($"apiVersion: hearth.dev/v1\nname: t\nmodels:\n  - name: t\n    source: ./t.gguf\n    sha256: {Sha}\n    template: ./missing.jinja\n", dir.Path));
        Assert.StartsWith("models[0].template (line 7:15): file not found", Assert.Single(ex.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_is_json_and_names_exactly_the_keys_the_parser_accepts()
    {
        var schema = JsonNode.Parse(SpecSchema.Text)!;
        Assert.Equal(SpecParser.TopKeys.Order(), ((JsonObject)schema["properties"]!).Select(p => p.Key).Order());
        var model = schema["properties"]!["models"]!["items"]!;
        Assert.Equal(SpecParser.ModelKeys.Order(), ((JsonObject)model["properties"]!).Select(p => p.Key).Order());
        Assert.Equal(SpecParser.ParameterRanges.Keys.Order(), ((JsonObject)model["properties"]!["parameters"]!["properties"]!).Select(p => p.Key).Order());
        Assert.Equal(SpecParser.ServeKeys.Order(), ((JsonObject)schema["properties"]!["serve"]!["properties"]!).Select(p => p.Key).Order());
        Assert.False((bool)schema["additionalProperties"]!);
    }

    [Theory]
    [InlineData("oci://127.0.0.1:5000/hearth/tiny:1-tiny", "127.0.0.1:5000", "hearth/tiny")]
    [InlineData("oci://registry.ollama.ai/library/llama3.2:1b", "registry.ollama.ai", "library/llama3.2")]
    [InlineData("oci://ghcr.io/org/models/tiny@sha256:e4650dd6b8d5b2e6f6a3f0a8e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4", "ghcr.io", "org/models/tiny")]
    public void Oci_sources_by_tag_or_digest_pass_the_parser_and_the_schema(string source, string registry, string repository)
    {
        var spec = Parse($$"""
            apiVersion: hearth.dev/v1
            name: tiny
            models:
              - name: tiny
                source: {{source}}
                sha256: {{Sha}}
            """);
        var oci = Assert.IsType<OciSource>(Assert.Single(spec.Models).Source);
        Assert.Equal(source, oci.Display);
        var reference = ImageReference.Parse(oci.Reference);
        Assert.Equal((registry, repository), (reference.Registry, reference.Repository));
        var patterns = JsonNode.Parse(SpecSchema.Text)!["properties"]!["models"]!["items"]!["properties"]!["source"]!["anyOf"]!.AsArray()
            .Select(p => (string?)p!["pattern"]).OfType<string>();
        Assert.Contains(patterns, p => System.Text.RegularExpressions.Regex.IsMatch(source, p));
    }

    [Fact]
    public void An_aikitfile_is_converted_with_a_report_of_mapped_and_ignored_fields()
    {
        using var dir = new TempDir();
        var file = dir.File("aikitfile.yaml", $$"""
            #syntax=ghcr.io/sozercan/aikit:latest
            apiVersion: v1alpha1
            debug: true
            runtime: cuda
            models:
              - name: llama-2-7b-chat
                source: https://huggingface.co/TheBloke/Llama-2-7B-Chat-GGUF/resolve/{{Commit}}/llama-2-7b-chat.Q4_K_M.gguf
                sha256: {{Sha}}
                promptTemplates:
                  - name: llama-2-7b-chat
                    template: "Q: .Input"
            config: |
              - name: llama-2-7b-chat
                backend: llama
                context_size: 2048
                parameters:
                  model: llama-2-7b-chat.Q4_K_M.gguf
                  temperature: 0.2
                  top_p: 0.9
            """);
        var (yaml, report) = AikitImporter.Convert(file);
        var spec = Parse(yaml);
        var model = Assert.Single(spec.Models);
        Assert.Equal(new HubSource("TheBloke", "Llama-2-7B-Chat-GGUF", Commit, "llama-2-7b-chat.Q4_K_M.gguf"), model.Source);
        Assert.Equal(0.2, model.Parameters["temperature"]);
        Assert.Equal(2048L, model.Parameters["ctx"]);
        Assert.Contains(report.Mapped, m => m.Contains("temperature", StringComparison.Ordinal));
        Assert.Contains(report.Ignored, m => m.StartsWith("models[0].promptTemplates", StringComparison.Ordinal));
        Assert.Contains(report.Ignored, m => m.StartsWith("debug", StringComparison.Ordinal));
        Assert.Contains(report.Ignored, m => m.StartsWith("config[llama-2-7b-chat].backend", StringComparison.Ordinal));
        Assert.True(AikitImporter.IsAikitfile(file));
    }

    [Fact]
    public void An_aikitfile_without_sha256_or_with_a_branch_url_is_refused_with_its_own_lines()
    {
        using var dir = new TempDir();
        var file = dir.File("aikitfile.yaml", """
            apiVersion: v1alpha1
            models:
              - name: a
                source: https://huggingface.co/o/r/resolve/main/a.gguf
                sha256: e4650dd6b8d5b2e6f6a3f0a8e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4
              - name: b
                source: https://example.org/b.gguf
            """);
        var ex = Assert.Throws<SpecValidationException>(() => AikitImporter.Convert(file));
        Assert.Collection(ex.Errors,
            e => Assert.Equal(("models[0].source", 4), (e.Path, e.Line)),
            e => Assert.Equal(("models[1].sha256", 6), (e.Path, e.Line)));
    }

    [Theory]
    [InlineData("127.0.0.1:5000/hearth/tiny:1", "127.0.0.1:5000", "hearth/tiny", "1")]
    [InlineData("ubuntu", ImageReference.DockerHub, "library/ubuntu", null)]
    [InlineData("ghcr.io/a/b", "ghcr.io", "a/b", null)]
    public void Image_references_parse_like_docker(string text, string registry, string repository, string? tag)
    {
        var reference = ImageReference.Parse(text);
        Assert.Equal((registry, repository, tag), (reference.Registry, reference.Repository, reference.Tag));
    }

    [Theory]
    [InlineData("oci:/tmp/out:tiny", ImageLocationKind.OciLayout, "/tmp/out", "tiny")]
    [InlineData("oci:/tmp/out", ImageLocationKind.OciLayout, "/tmp/out", null)]
    [InlineData("docker-archive:/tmp/t.tar:hearth/tiny:1", ImageLocationKind.DockerArchive, "/tmp/t.tar", "hearth/tiny:1")]
    [InlineData("docker://127.0.0.1:5000/hearth/tiny:1", ImageLocationKind.Registry, "", "1")]
    public void Image_locations_parse_in_skopeo_syntax(string text, ImageLocationKind kind, string path, string? tag)
    {
        var location = ImageLocation.Parse(text);
        Assert.Equal((kind, path, tag), (location.Kind, location.Path, location.Tag));
    }
}
