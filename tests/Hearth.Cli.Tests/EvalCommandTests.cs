using System.Text.Json;
using Hearth.Testing;

namespace Hearth.Cli.Tests;

/// <summary>`hearth eval` prints the reference-logits JSON schema with the engine's numbers.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly StoreCli cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Prompt_output_matches_the_reference_file()
    {
        var reference = JsonDocument.Parse(File.ReadLines(SharedData.Path("reference", "logits", "llama-spm-f32.jsonl")).First()).RootElement;
        var prompt = reference.GetProperty("prompt").GetString()!;
        var result = await cli.RunAsync("eval", SharedData.ReferenceModel("llama-spm-f32.gguf"), "--prompt", prompt, "-n", "8", "-t", "2");
        Assert.Equal(0, result.ExitCode);
        var ours = JsonDocument.Parse(result.Stdout).RootElement;

        Assert.Equal("llama-spm-f32.gguf", ours.GetProperty("model").GetString());
        Assert.Equal(4096, ours.GetProperty("n_vocab").GetInt32());
        Assert.Equal(prompt, ours.GetProperty("prompt").GetString());
        Assert.Equal(Ids(reference, "prompt_tokens"), Ids(ours, "prompt_tokens"));
        // The reference's first 8 greedy tokens are all decided by margins far above 2 * 0.02.
        Assert.Equal(Ids(reference, "greedy")[..8], Ids(ours, "greedy"));
        var tokens = Ids(ours, "tokens");
        Assert.Equal(Ids(reference, "tokens")[..tokens.Length], tokens);

        var positions = ours.GetProperty("positions").EnumerateArray().ToArray();
        Assert.Equal(tokens.Length, positions.Length);
        var refPositions = reference.GetProperty("positions").EnumerateArray().ToArray();
        for (var i = 0; i < positions.Length; i++)
        {
            var top = positions[i].GetProperty("top").EnumerateArray().ToArray();
            var refTop = refPositions[i].GetProperty("top").EnumerateArray().ToArray();
            Assert.Equal(10, top.Length);
            Assert.Equal(refTop[0][0].GetInt32(), top[0][0].GetInt32());
            Assert.InRange(top[0][1].GetSingle() - refTop[0][1].GetSingle(), -0.02f, 0.02f);
        }
    }

    [Fact]
    public async Task Tokens_give_teacher_forced_logits_for_exactly_those_ids()
    {
        var result = await cli.RunAsync("eval", SharedData.ReferenceModel("qwen2-bpe-q4_0.gguf"), "--tokens", "4095,10,20", "--top", "3");
        Assert.Equal(0, result.ExitCode);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("prompt").ValueKind);
        Assert.Equal([4095, 10, 20], Ids(json, "tokens"));
        Assert.Empty(Ids(json, "greedy"));
        var positions = json.GetProperty("positions").EnumerateArray().ToArray();
        Assert.Equal(3, positions.Length);
        Assert.All(positions, p => Assert.Equal(3, p.GetProperty("top").GetArrayLength()));
    }

    [Theory]
    [InlineData("--tokens", "1,x")]
    [InlineData("--tokens", "99999")]
    public async Task Bad_token_lists_are_one_line_and_invalid_input(string option, string value)
    {
        var result = await cli.RunAsync("eval", SharedData.ReferenceModel("llama-spm-q4_0.gguf"), option, value);
        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith("error: ", Assert.Single(result.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsupported_architecture_is_exit_code_unsupported()
    {
        var result = await cli.RunAsync("eval", SharedData.Path("tokenizer", "ggml-vocab-bert-bge.gguf"), "--tokens", "1");
        Assert.Equal(ExitCodes.Unsupported, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("'bert'", line, StringComparison.Ordinal);
        Assert.Contains("llama, qwen2", line, StringComparison.Ordinal);
    }

    private static int[] Ids(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetInt32()).ToArray();
}
