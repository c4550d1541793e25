using System.Text.Json;
using Hearth.Testing;

namespace Hearth.Tokenizers.Tests;

/// <summary>
/// The reference's prompt_tokens (BOS added as the vocabulary says) for every prompt in reference/logits,
/// reproduced with the cut vocabularies the reference models use, and with the full tiny Llama 2 model file.
/// </summary>
public sealed class PromptTokenTests
{
    public static TheoryData<string> LogFiles =>
        [.. Directory.GetFiles(SharedData.Path("reference", "logits"), "*.jsonl").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(LogFiles))]
    public void Encode_matches_reference_prompt_tokens(string file)
    {
        var tokenizer = file switch
        {
            _ when file.StartsWith("llama-spm-", StringComparison.Ordinal) => VocabFiles.Get("vocab-spm-4096"),
            _ when file.StartsWith("qwen2-bpe-", StringComparison.Ordinal) => VocabFiles.Get("vocab-bpe-4096"),
            _ when file.StartsWith("llama-2-tiny-random", StringComparison.Ordinal) => Tokenizer.FromGgufFile(SharedData.Model(Path.ChangeExtension(file, ".gguf"))),
            // The newer families (qwen3, gemma, phi3) carry their cut vocabularies in their reference model files.
            _ => Tokenizer.FromGgufFile(SharedData.ReferenceModel(Path.ChangeExtension(file, ".gguf"))),
        };
        var lines = File.ReadAllLines(SharedData.Path("reference", "logits", file)).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var prompt = doc.RootElement.GetProperty("prompt").GetString()!;
            var expected = doc.RootElement.GetProperty("prompt_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(expected, tokenizer.Encode(prompt));
        }
    }

    [Fact]
    public void Cut_vocabularies_match_their_model_files()
    {
        var fromModel = Tokenizer.FromGgufFile(SharedData.ReferenceModel("qwen2-bpe-q8_0.gguf"));
        var fromVocab = VocabFiles.Get("vocab-bpe-4096");
        const string text = "Hello world, it's 2024!\n\tcode();";
        Assert.Equal(fromVocab.Encode(text), fromModel.Encode(text));
        Assert.Equal(4096, fromModel.VocabSize);
    }
}
