using Hearth.Tokenizers.Vocab;

namespace Hearth.Tokenizers;

/// <summary>
/// Cuts special tokens out of the input before the model's algorithm sees it (llama.cpp's
/// <c>tokenizer_st_partition</c>): candidates are tried longest first, each occurrence in a text piece becomes a
/// token piece. User-defined tokens are always matched; control and unknown tokens only when the caller asks
/// to parse special tokens. Tokens flagged LStrip/RStrip swallow ASCII whitespace on that side.
/// </summary>
internal static class SpecialTokenPartitioner
{
    public static List<Fragment> Partition(Vocabulary vocab, string text, bool parseSpecial)
    {
        var fragments = new List<Fragment>();
        if (text.Length == 0)
        {
            return fragments;
        }

        fragments.Add(Fragment.Text(0, text.Length));
        var next = new List<Fragment>();
        foreach (var id in vocab.SpecialTokens)
        {
            var attr = vocab.Attributes[id];
            if (!parseSpecial && (attr & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0)
            {
                continue;
            }

            var special = vocab.Texts[id];
            var found = false;
            next.Clear();
            foreach (var f in fragments)
            {
                if (!f.IsText || f.Length < special.Length)
                {
                    next.Add(f);
                    continue;
                }

                var pos = f.Start;
                var end = f.Start + f.Length;
                while (pos < end)
                {
                    var match = text.IndexOf(special, pos, end - pos, StringComparison.Ordinal);
                    if (match < 0)
                    {
                        break;
                    }

                    found = true;
                    var leftEnd = match;
                    if ((attr & TokenAttributes.LStrip) != 0)
                    {
                        while (leftEnd > pos && IsAsciiSpace(text[leftEnd - 1]))
                        {
                            leftEnd--;
                        }
                    }

                    if (leftEnd > pos)
                    {
                        next.Add(Fragment.Text(pos, leftEnd - pos));
                    }

                    next.Add(new Fragment(id, match, special.Length));
                    pos = match + special.Length;
                    if ((attr & TokenAttributes.RStrip) != 0)
                    {
                        while (pos < end && IsAsciiSpace(text[pos]))
                        {
                            pos++;
                        }
                    }
                }

                if (pos < end)
                {
                    next.Add(Fragment.Text(pos, end - pos));
                }
            }

            if (found)
            {
                (fragments, next) = (next, fragments);
            }
        }

        return fragments;
    }

    // C isspace() in the "C" locale, which the reference uses on bytes.
    private static bool IsAsciiSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
