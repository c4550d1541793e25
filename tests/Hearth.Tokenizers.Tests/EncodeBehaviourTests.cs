using System.Text;

namespace Hearth.Tokenizers.Tests;

public sealed class EncodeBehaviourTests
{
    [Fact]
    public void Empty_input_gives_only_the_configured_specials()
    {
        var spm = VocabFiles.Get("llama-spm");
        Assert.Equal([1], spm.Encode(string.Empty));
        Assert.Empty(spm.Encode(string.Empty, addSpecial: false));
        Assert.Empty(VocabFiles.Get("gpt-2").Encode(string.Empty));
        Assert.Equal([101, 102], VocabFiles.Get("bert-bge").Encode(string.Empty));
        Assert.Empty(spm.Encode(ReadOnlySpan<byte>.Empty, addSpecial: false));
    }

    [Theory]
    [InlineData("llama-spm")]
    [InlineData("gpt-2")]
    [InlineData("bert-bge")]
    public void Invalid_utf8_is_replaced_not_fatal(string name)
    {
        var t = VocabFiles.Get(name);
        byte[] bad = [(byte)'H', 0xFF, (byte)'i', 0xE6, 0x97, (byte)'!', 0xC0, 0x80];
        var expected = t.Encode(Encoding.UTF8.GetString(bad), addSpecial: false);
        Assert.Equal(t.Encode("H\uFFFDi\uFFFD!\uFFFD\uFFFD", addSpecial: false), expected);
        Assert.Equal(expected, t.Encode(bad, addSpecial: false));
        // Lone surrogates in a .NET string are treated the same way.
        Assert.Equal(t.Encode("a\uFFFDb", addSpecial: false), t.Encode("a\uD800b", addSpecial: false));
    }

    [Fact]
    public void Parse_special_matches_control_tokens_only_on_request()
    {
        var spm = VocabFiles.Get("llama-spm");
        var parsed = spm.Encode("<s>Hi</s>", addSpecial: false, parseSpecial: true);
        Assert.Equal(1, parsed[0]);
        Assert.Equal(2, parsed[^1]);
        // After a special token the SPM space prefix is added again ("▁Hi").
        Assert.Equal(spm.Encode("Hi", addSpecial: false), parsed[1..^1]);
        var literal = spm.Encode("<s>Hi</s>", addSpecial: false);
        Assert.DoesNotContain(1, literal);
        Assert.DoesNotContain(2, literal);
    }

    [Fact]
    public void User_defined_tokens_are_matched_even_without_parse_special()
    {
        // MPT's vocabulary has user-defined tokens for runs of spaces; ten spaces are id 50268.
        var mpt = VocabFiles.Get("mpt");
        Assert.Equal(TokenType.UserDefined, mpt.GetTokenType(50268));
        var ids = mpt.Encode("x          y", addSpecial: false);
        Assert.Contains(50268, ids);
        Assert.Equal("x          y", mpt.Decode(ids));
    }

    [Fact]
    public void Phi3_special_tokens_strip_whitespace_on_the_right()
    {
        var phi = VocabFiles.Get("phi-3");
        var stripped = phi.Encode("<|user|>   hi", addSpecial: false, parseSpecial: true);
        Assert.Equal(32010, stripped[0]);
        Assert.Equal(phi.Encode("<|user|>hi", addSpecial: false, parseSpecial: true), stripped);
        // <s> is excluded from stripping.
        Assert.NotEqual(phi.Encode("<s>hi", addSpecial: false, parseSpecial: true), phi.Encode("<s>  hi", addSpecial: false, parseSpecial: true));
    }

    [Fact]
    public void Special_ids_and_end_of_generation_follow_the_vocabulary()
    {
        var spm = VocabFiles.Get("llama-spm");
        Assert.Equal((1, 2, 0), (spm.BosId, spm.EosId, spm.UnkId));
        Assert.True(spm.AddBos);
        Assert.False(spm.AddEos);
        Assert.Contains(2, spm.EndOfGenerationIds);

        var gpt2 = VocabFiles.Get("gpt-2");
        Assert.False(gpt2.AddBos);
        Assert.Equal(50256, gpt2.EotId); // "<|endoftext|>" found by text
        Assert.Equal([50256], gpt2.EndOfGenerationIds.Order());

        var phi = VocabFiles.Get("phi-3");
        var endText = phi.Encode("<|end|>", addSpecial: false, parseSpecial: true).Single();
        var endOfText = phi.Encode("<|endoftext|>", addSpecial: false, parseSpecial: true).Single();
        Assert.Contains(endText, phi.EndOfGenerationIds);
        Assert.Contains(endOfText, phi.EndOfGenerationIds);
        Assert.True(phi.IsControl(endText));
    }

    [Fact]
    public void Unsupported_models_and_pre_tokenizers_are_reported()
    {
        var data = new Vocab.VocabularyData { Model = "t5", Tokens = ["a"] };
        Assert.Throws<NotSupportedException>(() => Tokenizer.FromData(data));
        var bpe = new Vocab.VocabularyData { Model = "gpt2", Pre = "no-such-pre", Tokens = ["a", "b"], Merges = ["a b"] };
        Assert.Contains("no-such-pre", Assert.Throws<NotSupportedException>(() => Tokenizer.FromData(bpe)).Message);
        var noMerges = new Vocab.VocabularyData { Model = "gpt2", Tokens = ["a"] };
        Assert.Throws<TokenizerDataException>(() => Tokenizer.FromData(noMerges));
        var duplicate = new Vocab.VocabularyData { Model = "llama", Tokens = ["a", "a"] };
        Assert.Throws<TokenizerDataException>(() => Tokenizer.FromData(duplicate));
    }

    [Fact]
    public void Bpe_merges_by_rank_and_falls_back_for_unknown_pieces()
    {
        // Ranks decide: "a b" (rank 0) wins over "b c" (rank 1), so "abc" -> "ab" + "c".
        var data = new Vocab.VocabularyData
        {
            Model = "gpt2",
            Pre = "gpt-2",
            Tokens = ["a", "b", "c", "ab", "bc", "abc"],
            Merges = ["a b", "b c", "ab c"],
        };
        var t = Tokenizer.FromData(data);
        Assert.Equal([5], t.Encode("abc", addSpecial: false));
        Assert.Equal([3, 3], t.Encode("abab", addSpecial: false));
        // "d" is not in the vocabulary: dropped, as in the reference.
        Assert.Equal([0], t.Encode("ad", addSpecial: false));
    }

    [Fact]
    public void Spm_merges_by_score_with_leftmost_ties()
    {
        var data = new Vocab.VocabularyData
        {
            Model = "llama",
            Tokens = ["<unk>", "<s>", "</s>", "▁", "a", "b", "ab", "ba", "▁a"],
            Scores = [0, 0, 0, -1, -1, -1, -2, -3, -5],
            TokenTypes = [2, 3, 3, 1, 1, 1, 1, 1, 1],
        };
        var t = Tokenizer.FromData(data);
        // "▁aba": ab (-2) beats ba (-3) and ▁a (-5); leftmost "ab" is taken first, then nothing merges further.
        Assert.Equal([3, 6, 4], t.Encode("aba", addSpecial: false));
        // Unknown character without byte tokens: unknown id.
        Assert.Equal([3, 0], t.Encode("z", addSpecial: false));
    }
}

public sealed class SpmSegmentationTests
{
    [Theory]
    [InlineData("llama-spm")]
    [InlineData("phi-3")]
    public void Cutting_at_unjoinable_boundaries_changes_no_ids(string name)
    {
        var t = VocabFiles.Get(name);
        var whole = new Spm.SpmTokenizer(t.Vocab) { SegmentText = false };
        var random = new Random(7);
        var pieces = new[] { "the", " ", "  ", "\n", "quick", "Ünïcödé", "日本", "🦙", "x=y+1;", "<s>", "'s", "▁", "\t", "12345", "—", "e\u0301" };
        for (var round = 0; round < 20; round++)
        {
            var text = string.Concat(Enumerable.Range(0, 200).Select(_ => pieces[random.Next(pieces.Length)]));
            Assert.Equal(whole.Encode(text, addSpecial: true), t.Encode(text, addSpecial: true));
        }

        foreach (var (text, _) in VocabFiles.Vectors(name))
        {
            Assert.Equal(whole.Encode(text, addSpecial: false), t.Encode(text, addSpecial: false));
        }
    }
}
