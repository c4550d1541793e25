namespace Hearth.Tokenizers.Tests;

/// <summary>
/// Text that spells special tokens (<c>&lt;/s&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;|endoftext|&gt;</c>, chat markers) with special
/// parsing off and on, for every vocabulary type, against the ids of the reference tokenizer (llama.cpp 2026-08,
/// shared/reference/llama.cpp, src/llama-vocab.cpp). Line numbers below are of that file. The expected ids were
/// derived from the rules cited and checked against llama_tokenize of a build of that very source (add_special
/// false), since the .inp/.out vectors never contain special-token texts.
/// <para>The rules exercised:</para>
/// <list type="bullet">
/// <item>P1 (3171-3177, tokenizer_st_partition): with parse_special false, CONTROL and UNKNOWN tokens are skipped;
/// USER_DEFINED tokens are always cut out of the text first.</item>
/// <item>P2 (2804-2834): tokens whose text is an end-of-generation marker (<c>&lt;|end|&gt;</c>, <c>&lt;|endoftext|&gt;</c>,
/// <c>&lt;/s&gt;</c>, ...) are forced to CONTROL even when the file says otherwise. Phi-3's file stores <c>&lt;/s&gt;</c> as
/// USER_DEFINED (type 4); this makes it CONTROL, so with parsing off it is plain text.</item>
/// <item>P3 (3032-3041): general.name containing "phi-3"/"phi3" (Phi-3's file: "Phi3") gives every special token
/// RSTRIP, <c>&lt;/s&gt;</c> too, then takes it off <c>&lt;unk&gt;</c>, <c>&lt;s&gt;</c> and <c>&lt;|endoftext|&gt;</c>.</item>
/// <item>P4 (3239-3244): an RSTRIP token swallows the whitespace (isspace) after it.</item>
/// <item>P5 (3350-3379, SPM): the " " prefix goes before the first text fragment and before every text fragment that
/// follows a special token (is_prev_special), not before others.</item>
/// <item>P6 (3394-3432 BPE, 3434-3458 WPM): text fragments are tokenized alone, no prefix; tokens are appended as is.</item>
/// </list>
/// </summary>
public sealed class SpecialTokenTextTests
{
    [Theory]
    // --- phi-3 (SPM, general.name "Phi3") ---
    // P2 + P1: </s> is forced CONTROL, so with parsing off it is text: "▁Hello" "</" "s" ">" "world" (no prefix inside).
    [InlineData("phi-3", "Hello</s>world", false, "15043 829 29879 29958 11526")]
    // P1 on: </s> cut out (id 2); P5: "world" follows a special token, so it gets the prefix ("▁world" 3186).
    [InlineData("phi-3", "Hello</s>world", true, "15043 2 3186")]
    // P1 off, P5: one text fragment, one prefix: "▁</" "s" ">".
    [InlineData("phi-3", "</s>", false, "1533 29879 29958")]
    [InlineData("phi-3", "</s>", true, "2")]
    // P1 off: control chat markers are text ("<", "|", "user", ...); the newline stays a byte token (13).
    [InlineData("phi-3", "<|user|>\nHi<|end|>\n<|assistant|>", false, "529 29989 1792 29989 29958 13 18567 29966 29989 355 29989 29958 13 29966 29989 465 22137 29989 29958")]
    // P3 + P4: <|user|> and <|end|> swallow the "\n" after them; P5: "Hi" follows a special token -> "▁Hi" (6324).
    [InlineData("phi-3", "<|user|>\nHi<|end|>\n<|assistant|>", true, "32010 6324 32007 32001")]
    // P3: <s> has no RSTRIP, so "▁" + " hi " -> "▁▁" "hi"...; </s> has RSTRIP (P4), the trailing space goes.
    [InlineData("phi-3", " <s> hi </s> ", true, "259 1 29871 7251 29871 2")]
    [InlineData("phi-3", " <s> hi </s> ", false, "29871 529 29879 29958 7251 1533 29879 29958 29871")]
    // P3: <|endoftext|> keeps the space after it (RSTRIP taken off), which becomes "▁▁" (259) after P5's prefix.
    [InlineData("phi-3", "<|endoftext|> <|endoftext|>", true, "32000 259 32000")]
    [InlineData("phi-3", "<|endoftext|> <|endoftext|>", false, "529 29989 355 974 726 29989 29958 529 29989 355 974 726 29989 29958")]
    // P4: only the right side is stripped (no LSTRIP): "▁x▁" before, nothing of "  " after, then "▁y".
    [InlineData("phi-3", "x <|end|>  y", true, "921 29871 32007 343")]
    [InlineData("phi-3", "x <|end|>  y", false, "921 529 29989 355 29989 29958 29871 343")]
    // P3 + P4 with a placeholder control token: "x" right after it gets P5's prefix ("▁x" 921).
    [InlineData("phi-3", "<|placeholder1|>x", true, "32002 921")]

    // --- llama-spm (SPM, no name rule) ---
    // P1: <s>/</s> are CONTROL in the file. On: no RSTRIP, so both spaces around stay; P5 prefixes after each.
    [InlineData("llama-spm", " <s> hi </s> ", true, "259 1 29871 7251 29871 2 259")]
    [InlineData("llama-spm", " <s> hi </s> ", false, "29871 529 29879 29958 7251 1533 29879 29958 29871")]
    [InlineData("llama-spm", "</s></s>", false, "1533 29879 2565 29879 29958")]
    [InlineData("llama-spm", "</s></s>", true, "2 2")]
    // P1: UNKNOWN is treated like CONTROL: text when off, id 0 when on.
    [InlineData("llama-spm", "<unk>", false, "529 2960 29958")]
    [InlineData("llama-spm", "<unk>", true, "0")]

    // --- byte-level BPE ---
    // P1 + P6: <|endoftext|> is CONTROL; off -> its characters; on -> 50256 with "Hi"/"there" tokenized alone.
    [InlineData("gpt-2", "Hi<|endoftext|>there", false, "17250 27 91 437 1659 5239 91 29 8117")]
    [InlineData("gpt-2", "Hi<|endoftext|>there", true, "17250 50256 8117")]
    // P6: no RSTRIP outside phi-3, the space between is its own fragment ("Ġ" 220).
    [InlineData("gpt-2", "<|endoftext|> <|endoftext|>", true, "50256 220 50256")]
    [InlineData("mpt", "Hi<|endoftext|>there", false, "12764 29 93 423 1171 1156 49651 9088")]
    [InlineData("mpt", "Hi<|endoftext|>there", true, "12764 0 9088")]
    [InlineData("gpt-neox", "Hi<|endoftext|>there", false, "12764 29 93 423 1171 1156 49651 9088")]
    [InlineData("gpt-neox", "Hi<|endoftext|>there", true, "12764 0 9088")]
    [InlineData("refact", "Hi<|endoftext|>there", true, "12575 0 13636")]
    // P1: refact's FIM markers are CONTROL: text when off, their ids when on.
    [InlineData("refact", "<fim_prefix>def<fim_suffix>", false, "46 88 449 81 4254 48 589 46 88 449 81 12420 48")]
    [InlineData("refact", "<fim_prefix>def<fim_suffix>", true, "1 589 3")]
    [InlineData("deepseek-coder", "<｜begin▁of▁sentence｜>hi", false, "27 169 121 237 946 11028 210 990 11028 210 18119 720 169 121 237 29 4821")]
    [InlineData("deepseek-coder", "<｜begin▁of▁sentence｜>hi", true, "32013 4821")]
    // Not a token of deepseek-coder's vocabulary (it spells FIM with full-width bars), so text either way.
    [InlineData("deepseek-coder", "<|fim_prefix|>a<|fim_suffix|>", true, "27 91 69 308 62 18410 91 29 64 27 91 69 308 62 18374 681 91 29")]

    // --- WordPiece (bert-bge) ---
    // P1 + P6: [CLS]/[SEP]/[MASK] are CONTROL; off -> "[", "cl", "##s", "]"...; on -> ids, spaces dropped by WPM itself.
    [InlineData("bert-bge", "[CLS] hi [SEP]", false, "1031 18856 2015 1033 7632 1031 19802 1033")]
    [InlineData("bert-bge", "[CLS] hi [SEP]", true, "101 7632 102")]
    [InlineData("bert-bge", "[MASK]", false, "1031 7308 1033")]
    [InlineData("bert-bge", "[MASK]", true, "103")]
    public void Special_token_texts_tokenize_as_the_reference(string vocab, string text, bool parseSpecial, string expected)
    {
        var ids = VocabFiles.Get(vocab).Encode(text, addSpecial: false, parseSpecial: parseSpecial);
        Assert.Equal(expected.Split(' ').Select(int.Parse).ToArray(), ids);
    }

    [Fact]
    public void Phi3_end_of_sequence_is_user_defined_in_the_file_but_control_in_effect()
    {
        // P2: the file's type is kept for callers, but the control attribute (which decides P1) is forced on.
        var phi3 = VocabFiles.Get("phi-3");
        Assert.Equal(TokenType.UserDefined, phi3.GetTokenType(2));
        Assert.True(phi3.IsControl(2));
        Assert.Contains(2, phi3.EndOfGenerationIds);
    }

    [Fact]
    public void Parse_special_off_never_emits_a_control_token_for_any_special_text()
    {
        // P1 across every vocabulary: each CONTROL or UNKNOWN token's own text, encoded with parsing off, must not
        // come back as that token (it is tokenized as ordinary text); with parsing on it is exactly that token.
        foreach (var name in new[] { "llama-spm", "phi-3", "gpt-2", "deepseek-coder", "mpt", "refact", "bert-bge", "gpt-neox" })
        {
            var t = VocabFiles.Get(name);
            var checkedCount = 0;
            for (var id = 0; id < t.VocabSize; id++)
            {
                var type = t.GetTokenType(id);
                if (!t.IsControl(id) && type != TokenType.Unknown)
                {
                    continue;
                }

                var text = t.TokenText(id);
                if (text.Length == 0)
                {
                    continue;
                }

                checkedCount++;
                Assert.DoesNotContain(id, t.Encode(text, addSpecial: false, parseSpecial: false));
                // Another special token may be the same text longer-first (none in these files), so only a
                // single-token result is required to be this very id when the text is unique.
                var on = t.Encode(text, addSpecial: false, parseSpecial: true);
                Assert.True(on.Length == 1, $"{name} '{text}' with parsing on gave [{string.Join(' ', on)}]");
                Assert.Equal(text, t.TokenText(on[0]));
            }

            Assert.True(checkedCount > 0, $"{name} has no control tokens to check");
        }
    }
}
