using System.Globalization;
using System.Text;
using Hearth.Tokenizers.Vocab;

namespace Hearth.Tokenizers.WordPiece;

/// <summary>
/// WordPiece (<c>tokenizer.ggml.model = bert</c>), as llama.cpp's <c>llm_tokenizer_wpm</c>: BERT normalization
/// (NFD and accent stripping, lowercasing, control characters dropped), split on whitespace and around
/// punctuation, ASCII symbols and CJK ideographs, then per word a greedy longest match of "▁word" against the
/// vocabulary (GGUF stores word-initial pieces with '▁' and continuations without "##"). A word that cannot be
/// covered becomes [UNK]. With addSpecial the ids are wrapped in CLS (BOS) and SEP.
/// </summary>
internal sealed class WordPieceTokenizer : Tokenizer
{
    private const char Space = '\u2581';

    public WordPieceTokenizer(Vocabulary vocab)
        : base(vocab)
    {
    }

    public override string Model => "bert";

    private protected override byte[] NormalPiece(string text) => Encoding.UTF8.GetBytes(text.Replace(Space, ' '));

    private protected override void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output, EncodeCounters? counters)
    {
        AddIf(output, addSpecial, Vocab.Bos);
        var words = new List<string>();
        foreach (var f in fragments)
        {
            if (!f.IsText)
            {
                output.Add(f.Token);
                continue;
            }

            words.Clear();
            Preprocess(text.AsSpan(f.Start, f.Length), words);
            foreach (var word in words)
            {
                TokenizeWord(word, output, counters);
            }
        }

        AddIf(output, addSpecial, Vocab.Sep);
    }

    private void TokenizeWord(string word, List<int> output, EncodeCounters? counters)
    {
        var w = Space + word;
        var before = output.Count;
        long steps = 0;
        for (var i = 0; i < w.Length;)
        {
            var matched = false;
            for (var end = Math.Min(w.Length, i + Vocab.MaxTokenLength); end > i; end--)
            {
                steps++;
                if (Vocab.TryFind(w.AsSpan(i, end - i), out var id))
                {
                    output.Add(id);
                    i = end;
                    matched = true;
                    break;
                }
            }

            if (!matched)
            {
                output.RemoveRange(before, output.Count - before);
                break;
            }
        }

        if (counters is not null)
        {
            counters.Steps += steps;
        }

        if (output.Count == before && Vocab.Unk is { } unk)
        {
            output.Add(unk);
        }
    }

    private void Preprocess(ReadOnlySpan<char> input, List<string> words)
    {
        var text = input.ToString();
        var current = new StringBuilder();
        void Finish()
        {
            if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        foreach (var original in text.EnumerateRunes())
        {
            var rune = Vocab.StripAccents ? new Rune(NfdBase.Map(original.Value)) : original;
            if (Rune.IsWhiteSpace(rune))
            {
                Finish();
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value == 0 || rune.Value == 0xFFFD || category is UnicodeCategory.Control or UnicodeCategory.Format
                    or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
            {
                continue;
            }

            if (Vocab.StripAccents && category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue;
            }

            var r = Vocab.Lowercase ? Rune.ToLowerInvariant(rune) : rune;
            if (IsPunctuation(category) || (rune.Value < 0x7F && IsSymbol(category)) || IsChinese(rune.Value))
            {
                Finish();
                words.Add(r.ToString());
            }
            else
            {
                current.Append(r.ToString());
            }
        }

        Finish();
    }

    private static bool IsPunctuation(UnicodeCategory c) => c is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
        or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
        or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    private static bool IsSymbol(UnicodeCategory c) => c is UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol
        or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol;

    // CJK ideograph blocks, as BERT defines them (including its 0x2B920 quirk).
    private static bool IsChinese(int c) =>
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
        || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
        || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}
