namespace Hearth.Tokenizers.Tests;

public sealed class DecodeTests
{
    // Lossless vocabularies: SentencePiece with byte fallback and byte-level BPE. (bert lowercases and strips accents.)
    public static TheoryData<string> Lossless => ["llama-spm", "gpt-2", "deepseek-coder", "mpt", "refact", "gpt-neox"];

    [Theory]
    [MemberData(nameof(Lossless))]
    public void Decode_inverts_encode_for_every_reference_string(string name)
    {
        var tokenizer = VocabFiles.Get(name);
        var source = name == "gpt-neox" ? "mpt" : name;
        foreach (var (text, _) in VocabFiles.Vectors(source))
        {
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecial: false)));
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text, addSpecial: true), skipSpecial: true));
        }
    }

    [Fact]
    public void Spm_decoding_maps_spaces_and_bytes_and_strips_the_prefix_space()
    {
        var t = VocabFiles.Get("llama-spm");
        var ids = t.Encode("Hello world 🦙", addSpecial: true);
        Assert.Equal(1, ids[0]);
        Assert.Equal("Hello world 🦙", t.Decode(ids, skipSpecial: true));
        Assert.Equal("<s> Hello world 🦙", t.Decode(ids));
        Assert.Equal(" world", t.Decode(t.Encode(" world", addSpecial: false)));
    }

    [Fact]
    public void Token_accessors_describe_the_vocabulary()
    {
        var t = VocabFiles.Get("llama-spm");
        Assert.Equal(TokenType.Unknown, t.GetTokenType(0));
        Assert.Equal(TokenType.Control, t.GetTokenType(1));
        Assert.Equal(TokenType.Byte, t.GetTokenType(3 + 0x0A));
        Assert.Equal("<0x0A>", t.TokenText(3 + 0x0A));
        Assert.Equal(new byte[] { 0x0A }, t.TokenBytes(3 + 0x0A));
        var hello = t.Encode("Hello", addSpecial: false).Single();
        Assert.Equal("▁Hello", t.TokenText(hello));
        Assert.Equal(" Hello"u8.ToArray(), t.TokenBytes(hello));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.TokenText(32000));

        var g = VocabFiles.Get("gpt-2");
        var space = g.Encode(" the", addSpecial: false).Single();
        Assert.Equal("Ġthe", g.TokenText(space));
        Assert.Equal(" the"u8.ToArray(), g.TokenBytes(space));
    }

    [Theory]
    [InlineData("llama-spm")]
    [InlineData("gpt-2")]
    public void Streaming_decoder_never_emits_a_broken_character(string name)
    {
        var t = VocabFiles.Get(name);
        const string text = "Grüße 🦙🦙 日本語のテキスト — ok";
        var ids = t.Encode(text, addSpecial: false);
        var decoder = t.CreateStreamingDecoder();
        var chunks = ids.Select(decoder.Push).Append(decoder.Flush()).ToList();
        Assert.All(chunks, c => Assert.DoesNotContain('\uFFFD', c));
        Assert.All(chunks, c => Assert.False(c.Length > 0 && char.IsHighSurrogate(c[^1]), "chunk ends inside a surrogate pair"));
        var joined = string.Concat(chunks);
        Assert.Equal(name == "llama-spm" ? " " + text : text, joined);
        // Some token boundary splits a character, so at least one push must have held bytes back.
        Assert.Contains(chunks.SkipLast(1), c => c.Length == 0);
    }

    [Fact]
    public void Streaming_decoder_holds_partial_bytes_and_flushes_them_as_replacement()
    {
        var t = VocabFiles.Get("llama-spm");
        var d = t.CreateStreamingDecoder();
        // 🦙 = F0 9F A6 99, byte tokens are id 3 + byte.
        Assert.Equal(string.Empty, d.Push(3 + 0xF0));
        Assert.Equal(string.Empty, d.Push(3 + 0x9F));
        Assert.Equal(string.Empty, d.Push(3 + 0xA6));
        Assert.Equal("🦙", d.Push(3 + 0x99));
        Assert.Equal(string.Empty, d.Push(3 + 0xE6));
        Assert.Equal("\uFFFD", d.Flush());
    }

    [Fact]
    public void Skip_special_drops_control_tokens()
    {
        var g = VocabFiles.Get("gpt-2");
        var ids = g.Encode("hi<|endoftext|>", addSpecial: false, parseSpecial: true);
        Assert.Equal(50256, ids[^1]);
        Assert.Equal("hi<|endoftext|>", g.Decode(ids));
        Assert.Equal("hi", g.Decode(ids, skipSpecial: true));
    }
}
