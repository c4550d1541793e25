using Hearth.Tokenizers.Bpe;

namespace Hearth.Tokenizers.Tests;

public sealed class PreTokenizerTests
{
    private const string Sample = "Hello, World! It's 12345 apples\n\n  and\t\"quotes\" — naïve café 日本語 한국어 🦙𝐀𝟙 x=y+z; ~tilde\r\n  ";

    public static TheoryData<string> Names => [.. BpePreTokenizers.Names.Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_pre_tokenizer_covers_the_input_exactly(string name)
    {
        var splitter = new RegexSplitter(BpePreTokenizers.Get(name).Patterns);
        var pieces = new List<(int Start, int Length)>();
        splitter.Split(Sample, pieces);
        var pos = 0;
        foreach (var (start, length) in pieces)
        {
            Assert.Equal(pos, start);
            Assert.True(length > 0);
            pos += length;
        }

        Assert.Equal(Sample.Length, pos);
    }

    [Theory]
    [InlineData("gpt-2", "Hello world's  12345", new[] { "Hello", " world", "'s", " ", " 12345" })]
    [InlineData("llama3", "Hello world's 12345\n\n", new[] { "Hello", " world", "'s", " ", "123", "45", "\n\n" })]
    [InlineData("qwen2", "ab 123", new[] { "ab", " ", "1", "2", "3" })]
    [InlineData("deepseek-coder", "ab 12", new[] { "ab", " ", "1", "2" })]
    [InlineData("default", "x 1234", new[] { "x", " ", "123", "4" })]
    public void Splits_like_the_reference(string name, string text, string[] expected)
    {
        var splitter = new RegexSplitter(BpePreTokenizers.Get(name).Patterns);
        var pieces = new List<(int Start, int Length)>();
        splitter.Split(text, pieces);
        Assert.Equal(expected, pieces.Select(p => text.Substring(p.Start, p.Length)));
    }

    [Fact]
    public void Supplementary_letters_count_as_letters()
    {
        // 𝐀 (U+1D400) is a letter: one word with the following ASCII letters, as on code points.
        var splitter = new RegexSplitter(BpePreTokenizers.Get("gpt-2").Patterns);
        var pieces = new List<(int Start, int Length)>();
        const string text = " 𝐀bc 🦙!";
        splitter.Split(text, pieces);
        Assert.Equal([" 𝐀bc", " 🦙!"], pieces.Select(p => text.Substring(p.Start, p.Length)));
    }
}
