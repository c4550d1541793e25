using Hearth.Testing;

namespace Hearth.Cli.Tests;

/// <summary>create, list, show, cp and rm against a real store in a temporary HEARTH_HOME.</summary>
public sealed class CreateCommandTests : IDisposable
{
    private readonly StoreCli cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Create_list_show_rm_round_trip()
    {
        var created = await cli.RunAsync("create", "Tiny:Test", "--from", SharedData.Model("llama-2-tiny-random.gguf"));
        Assert.Equal(0, created.ExitCode);
        Assert.Contains("created 'tiny:test' (1.8 MB, F16, llama)", created.Stdout, StringComparison.Ordinal);

        await cli.RunAsync("create", "qwen", "--from", SharedData.ReferenceModel("qwen2-bpe-q4_k_m.gguf"));
        var list = await cli.RunAsync("list");
        Assert.Equal(0, list.ExitCode);
        var rows = list.Stdout.Split('\n').Where(l => l.Contains(":latest", StringComparison.Ordinal) || l.Contains(":test", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Matches(@"qwen:latest\s+2\.5 MB\s+Q4_K_M\s+qwen2\s+\d{4}-\d\d-\d\d \d\d:\d\d", rows[0]);
        Assert.Matches(@"tiny:test\s+1\.8 MB\s+F16\s+llama", rows[1]);

        var show = await cli.RunAsync("show", "tiny:test", "--metadata");
        Assert.Equal(0, show.ExitCode);
        Assert.Matches(@"architecture\s+llama", show.Stdout);
        Assert.Matches(@"gguf\s+v3, 12 tensors", show.Stdout);
        Assert.Matches(@"tokenizer\s+llama, 32000 tokens", show.Stdout);
        Assert.Matches(@"F16\s+9\s+", show.Stdout);
        Assert.Contains("general.architecture", show.Stdout, StringComparison.Ordinal);

        var cp = await cli.RunAsync("cp", "tiny:test", "tiny-copy");
        Assert.Equal(0, cp.ExitCode);
        Assert.Contains("copied 'tiny:test' to 'tiny-copy:latest'", cp.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"tiny-copy:latest\s+1\.8 MB\s+F16\s+llama", (await cli.RunAsync("list")).Stdout);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(cli.Home, "models", "blobs")).Length); // no file copied
        Assert.Equal(0, (await cli.RunAsync("rm", "tiny-copy")).ExitCode);

        var rm = await cli.RunAsync("rm", "tiny:test", "QWEN");
        Assert.Equal(0, rm.ExitCode);
        Assert.Contains("deleted 'qwen:latest'", rm.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(cli.Home, "models", "blobs")));
        Assert.Contains("no models yet", (await cli.RunAsync("list")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_processes_share_the_registry_safely()
    {
        var models = new[] { SharedData.Model("llama-2-tiny-random.gguf"), SharedData.ReferenceModel("llama-spm-q4_0.gguf") };
        var runs = Enumerable.Range(0, 4).Select(i => cli.RunAsync("create", $"m{i}", "--from", models[i % 2])).ToArray();

        var results = await Task.WhenAll(runs);

        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
        var list = (await cli.RunAsync("list")).Stdout;
        Assert.All(Enumerable.Range(0, 4), i => Assert.Contains($"m{i}:latest", list, StringComparison.Ordinal));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(cli.Home, "models", "blobs")).Length); // two distinct contents
    }

    [Theory]
    [InlineData("show", "nope")]
    [InlineData("rm", "nope:v2")]
    public async Task An_unknown_model_is_one_clear_line_and_exit_code_8(string command, string model)
    {
        var result = await cli.RunAsync(command, model);

        Assert.Equal(ExitCodes.ModelNotFound, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith($"error: model '{model}' not found", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cp_of_an_unknown_model_is_exit_code_8_and_a_bad_name_exit_code_6()
    {
        var missing = await cli.RunAsync("cp", "nope", "other");
        Assert.Equal(ExitCodes.ModelNotFound, missing.ExitCode);
        Assert.StartsWith("error: model 'nope' not found", Assert.Single(missing.StderrLines), StringComparison.Ordinal);

        await cli.RunAsync("create", "tiny", "--from", SharedData.Model("llama-2-tiny-random.gguf"));
        var invalid = await cli.RunAsync("cp", "tiny", "bad name");
        Assert.Equal(ExitCodes.InvalidInput, invalid.ExitCode);
        Assert.Contains("invalid model name 'bad name'", Assert.Single(invalid.StderrLines), StringComparison.Ordinal);
        Assert.DoesNotContain("bad", (await cli.RunAsync("list")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_accepts_a_gguf_path_outside_the_store()
    {
        var result = await cli.RunAsync("show", SharedData.ReferenceModel("llama-spm-q4_0.gguf"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("(not in the store)", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Q4_0\s+\d+", result.Stdout);
    }

    [Fact]
    public async Task Create_reports_bad_names_missing_files_and_non_gguf_files()
    {
        var badName = await cli.RunAsync("create", "bad name", "--from", SharedData.Model("llama-2-tiny-random.gguf"));
        Assert.Equal(ExitCodes.InvalidInput, badName.ExitCode);
        Assert.Contains("invalid model name 'bad name'", Assert.Single(badName.StderrLines), StringComparison.Ordinal);

        var missing = await cli.RunAsync("create", "x", "--from", Path.Combine(cli.Home, "absent.gguf"));
        Assert.Equal(ExitCodes.FileNotFound, missing.ExitCode);
        Assert.Single(missing.StderrLines);

        var text = Path.Combine(cli.Home, "notes.gguf");
        await File.WriteAllTextAsync(text, "not a model at all, only some words in a file");
        var notGguf = await cli.RunAsync("create", "x", "--from", text);
        Assert.Equal(ExitCodes.InvalidFormat, notGguf.ExitCode);
        Assert.Single(notGguf.StderrLines);
    }
}
