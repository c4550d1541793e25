using System.Diagnostics;
using System.Text.Json.Nodes;
using Hearth.Gguf;
using Hearth.Gguf.Summary;
using Hearth.Testing;

namespace Hearth.Cli.Tests;

/// <summary>Runs the built CLI (hearth.dll next to the tests) as a child process, as a user would.</summary>
public class InfoCommandTests
{
    private static readonly string Qwen = SharedData.ReferenceModel("qwen2-bpe-q4_k_m.gguf");

    [Fact]
    public void Shows_qwen2_summary_as_tables()
    {
        var (code, stdout, stderr) = Hearth("info", Qwen);

        Assert.True(code == 0, stderr);
        Assert.Contains("qwen2", stdout, StringComparison.Ordinal);
        Assert.Contains("4096 tokens", stdout, StringComparison.Ordinal);
        Assert.Contains("gpt2", stdout, StringComparison.Ordinal);
        Assert.Contains("Q4_K_M", stdout, StringComparison.Ordinal);
        Assert.Contains("q4_k", stdout, StringComparison.Ordinal);
        Assert.Contains("q6_k", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("blk.0.attn_q.weight", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_parses_and_matches_the_file()
    {
        var (code, stdout, stderr) = Hearth("info", "--json", "--tensors", Qwen);

        Assert.True(code == 0, stderr);
        var json = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("qwen2", (string?)json["architecture"]);
        Assert.Equal("gpt2", (string?)json["tokenizer_model"]);
        Assert.Equal(4096, (int)json["vocab_size"]!);
        Assert.Equal(256, (long)json["embedding_length"]!);
        Assert.Equal(2, (long)json["block_count"]!);
        Assert.Equal(4, (long)json["head_count"]!);
        Assert.Equal(2, (long)json["head_count_kv"]!);
        Assert.Equal(2048, (long)json["context_length"]!);
        Assert.Equal(new FileInfo(Qwen).Length, (long)json["file_size"]!);
        Assert.Equal(3u, (uint)json["gguf_version"]!);
        Assert.False((bool)json["chat_template"]!);

        using var file = GgufFile.Open(Qwen);
        Assert.Equal(file.Tensors.Sum(t => t.ElementCount), (long)json["parameters"]!);
        var mix = json["type_mix"]!.AsArray().ToDictionary(e => (string)e!["type"]!, e => (int)e!["tensors"]!);
        Assert.Equal(file.Tensors.Count(t => t.Type == GgmlType.Q4_K), mix["q4_k"]);
        Assert.Equal(file.Tensors.Count(t => t.Type == GgmlType.Q6_K), mix["q6_k"]);
        Assert.Equal(file.Tensors.Count(t => t.Type == GgmlType.F32), mix["f32"]);
        var tensors = json["tensors"]!.AsArray();
        Assert.Equal(file.Tensors.Count, tensors.Count);
        var q = file.GetTensor("blk.0.attn_q.weight");
        var qJson = tensors.Single(t => (string?)t!["name"] == q.Name)!;
        Assert.Equal(q.Offset, (long)qJson["offset"]!);
        Assert.Equal([256L, 256L], qJson["shape"]!.AsArray().Select(d => (long)d!).ToArray());
    }

    [Fact]
    public void Tensors_option_lists_every_tensor()
    {
        var (code, stdout, stderr) = Hearth("info", "--tensors", Qwen);

        Assert.True(code == 0, stderr);
        using var file = GgufFile.Open(Qwen);
        Assert.All(file.Tensors, t => Assert.Contains(t.Name, stdout, StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_file_exits_3_with_one_line()
    {
        var path = Path.Combine(Path.GetTempPath(), "hearth-missing-" + Guid.NewGuid() + ".gguf");
        var (code, stdout, stderr) = Hearth("info", path);

        Assert.Equal(ExitCodes.FileNotFound, code);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(path, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_file_exits_4_with_one_line()
    {
        var path = Path.Combine(Path.GetTempPath(), "hearth-corrupt-" + Guid.NewGuid() + ".gguf");
        var bytes = File.ReadAllBytes(Qwen).AsSpan(0, 1000).ToArray();   // header intact, metadata cut short
        File.WriteAllBytes(path, bytes);
        try
        {
            var (code, _, stderr) = Hearth("info", path);

            Assert.Equal(ExitCodes.InvalidFormat, code);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("invalid GGUF", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);   // no type names or stack trace
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Summary_of_a_vocab_only_file_has_no_tensors_but_a_vocabulary()
    {
        using var file = GgufFile.Open(SharedData.ReferenceModel("vocab-spm-4096.gguf"));
        var s = GgufModelSummary.From(file);

        Assert.Equal(0, s.ParameterCount);
        Assert.Empty(s.TypeMix);
        Assert.Equal("llama", s.TokenizerModel);
        Assert.Equal(4096, s.VocabSize);
        Assert.Equal(1, s.SpecialTokens["bos"]);
        Assert.Equal(2, s.SpecialTokens["eos"]);
        Assert.Null(s.EmbeddingLength);
    }

    private static (int Code, string Stdout, string Stderr) Hearth(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hearth.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HEARTH_DEBUG"] = "0";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
