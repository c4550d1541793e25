using System.Diagnostics;
using System.Text.Json.Nodes;
using Hearth.Testing;
using Hearth.Tokenizers;

namespace Hearth.Cli.Tests;

/// <summary>Runs the built CLI (hearth.dll next to the tests) as a child process.</summary>
public sealed class TokenizeCommandTests
{
    private static readonly string Spm = SharedData.ReferenceModel("vocab-spm-4096.gguf");
    private static readonly string Llama = SharedData.Model("llama-2-tiny-random.gguf");

    [Fact]
    public void Ids_prints_a_json_array_matching_the_reference()
    {
        // prompt_tokens of "Hello, world! 🦙" in reference/logits/llama-2-tiny-random.jsonl
        var (code, stdout, stderr) = Hearth((byte[]?)null, "tokenize", Llama, "--prompt", "Hello, world! 🦙", "--ids");

        Assert.True(code == 0, stderr);
        var ids = JsonNode.Parse(stdout)!.AsArray().Select(n => (int)n!).ToArray();
        Assert.Equal([1, 15043, 29892, 3186, 29991, 29871, 243, 162, 169, 156], ids);
    }

    [Fact]
    public void No_bos_and_parse_special_are_applied()
    {
        var (_, plain, _) = Hearth((byte[]?)null, "tokenize", Spm, "-p", "</s>", "--ids", "--no-bos");
        var (code, parsed, stderr) = Hearth((byte[]?)null, "tokenize", Spm, "-p", "</s>", "--ids", "--no-bos", "--parse-special");

        Assert.True(code == 0, stderr);
        Assert.Equal("[2]", parsed.Trim());
        Assert.DoesNotContain("1,", plain, StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(plain)!.AsArray().Count > 1);
    }

    [Fact]
    public void Reads_stdin_and_prints_a_table_of_pieces()
    {
        var (code, stdout, stderr) = Hearth("Hi there\n", "tokenize", Spm);

        Assert.True(code == 0, stderr);
        var tokenizer = Tokenizer.FromGgufFile(Spm);
        var expected = tokenizer.Encode("Hi there\n");
        Assert.Contains($"{expected.Length} tokens", stdout, StringComparison.Ordinal);
        Assert.Contains("<s>", stdout, StringComparison.Ordinal);
        Assert.Contains("▁there", stdout, StringComparison.Ordinal);
        Assert.Contains("'\\n'", stdout, StringComparison.Ordinal);   // the newline byte token, escaped
        Assert.Contains("Control", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_on_stdin_is_replaced_not_fatal()
    {
        var (code, stdout, stderr) = Hearth([0x61, 0xFF, 0x62], "tokenize", Spm, "--ids", "--no-bos");

        Assert.True(code == 0, stderr);
        var expected = Tokenizer.FromGgufFile(Spm).Encode("a\uFFFDb", addSpecial: false);
        Assert.Equal(expected, JsonNode.Parse(stdout)!.AsArray().Select(n => (int)n!).ToArray());
    }

    [Fact]
    public void Missing_model_exits_3_with_one_line()
    {
        var path = Path.Combine(Path.GetTempPath(), "hearth-missing-" + Guid.NewGuid() + ".gguf");
        var (code, stdout, stderr) = Hearth((byte[]?)null, "tokenize", path, "-p", "x");

        Assert.Equal(ExitCodes.FileNotFound, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static (int Code, string Stdout, string Stderr) Hearth(string? stdin, params string[] args) =>
        Hearth(stdin is null ? null : System.Text.Encoding.UTF8.GetBytes(stdin), args);

    private static (int Code, string Stdout, string Stderr) Hearth(byte[]? stdin, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hearth.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HEARTH_DEBUG"] = "0";
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
        }

        p.StandardInput.Close();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
