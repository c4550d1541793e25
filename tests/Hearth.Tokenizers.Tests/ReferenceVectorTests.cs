namespace Hearth.Tokenizers.Tests;

/// <summary>Every .inp/.out pair of the reference (llama.cpp) tokenizer tests, encoded without BOS/EOS.</summary>
public sealed class ReferenceVectorTests
{
    public static TheoryData<string> Vocabularies => ["llama-spm", "phi-3", "gpt-2", "deepseek-coder", "mpt", "refact", "bert-bge"];

    [Theory]
    [MemberData(nameof(Vocabularies))]
    public void Encode_matches_reference_ids(string name)
    {
        var tokenizer = VocabFiles.Get(name);
        var failures = new List<string>();
        var count = 0;
        foreach (var (text, expected) in VocabFiles.Vectors(name))
        {
            count++;
            var actual = tokenizer.Encode(text, addSpecial: false, parseSpecial: false);
            if (!actual.SequenceEqual(expected))
            {
                failures.Add($"'{Escape(text)}': expected [{string.Join(' ', expected)}] got [{string.Join(' ', actual)}]");
            }
        }

        Assert.True(count >= 40, $"only {count} vectors read");
        Assert.True(failures.Count == 0, $"{failures.Count}/{count} differ:\n" + string.Join('\n', failures));
    }

    private static string Escape(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
