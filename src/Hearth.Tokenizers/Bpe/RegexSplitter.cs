using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Hearth.Tokenizers.Bpe;

/// <summary>
/// Splits text into pre-tokens with an ordered list of regexes, like llama.cpp's <c>unicode_regex_split</c>:
/// each regex runs over every piece produced so far (the piece is the whole input for anchors and
/// lookarounds) and both its matches and the gaps between them become pieces.
/// <para>
/// The reference runs on code points. .NET regexes run on UTF-16 units, where a supplementary character is two
/// surrogates of category Cs. So the text is first "collapsed" to one UTF-16 unit per code point: BMP characters
/// stay as they are, and each supplementary character becomes a BMP stand-in of the same general category
/// (letter, number, punctuation, symbol, mark, other). Offsets in the collapsed text are code-point offsets,
/// mapped back to the original text at the end.
/// </para>
/// </summary>
internal sealed class RegexSplitter
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    private readonly Regex[] _regexes;

    public RegexSplitter(IEnumerable<string> patterns)
    {
        _regexes = [.. patterns.Select(p => Cache.GetOrAdd(p, static q => new Regex(q, RegexOptions.Compiled | RegexOptions.CultureInvariant)))];
    }

    /// <summary>Appends the (start, length) of each pre-token of <paramref name="text"/>, in order, in UTF-16 units.</summary>
    public void Split(string text, List<(int Start, int Length)> output)
    {
        if (text.Length == 0)
        {
            return;
        }

        var collapsed = Collapse(text, out var starts);
        var current = new List<(int Start, int Length)> { (0, collapsed.Length) };
        var next = new List<(int Start, int Length)>();
        foreach (var regex in _regexes)
        {
            next.Clear();
            foreach (var (start, length) in current)
            {
                var pos = 0;
                foreach (var m in regex.EnumerateMatches(collapsed.AsSpan(start, length)))
                {
                    if (m.Index > pos)
                    {
                        next.Add((start + pos, m.Index - pos));
                    }

                    if (m.Length > 0)
                    {
                        next.Add((start + m.Index, m.Length));
                    }

                    pos = m.Index + m.Length;
                }

                if (pos < length)
                {
                    next.Add((start + pos, length - pos));
                }
            }

            (current, next) = (next, current);
        }

        if (starts is null)
        {
            output.AddRange(current);
            return;
        }

        foreach (var (start, length) in current)
        {
            var s = starts[start];
            output.Add((s, starts[start + length] - s));
        }
    }

    /// <summary>
    /// One UTF-16 unit per code point. Returns <paramref name="text"/> itself (and null offsets) when it has no
    /// surrogates, the common case; otherwise <paramref name="starts"/>[i] is the UTF-16 offset of code point i
    /// (with one extra entry for the end).
    /// </summary>
    internal static string Collapse(string text, out int[]? starts)
    {
        starts = null;
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var offsets = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length;)
        {
            offsets.Add(i);
            if (Rune.TryGetRuneAt(text, i, out var rune))
            {
                sb.Append(rune.IsBmp ? (char)rune.Value : StandIn(Rune.GetUnicodeCategory(rune)));
                i += rune.Utf16SequenceLength;
            }
            else
            {
                // A lone surrogate (only reachable through internal callers; public entry points sanitize first).
                sb.Append('\uFFFD');
                i++;
            }
        }

        offsets.Add(text.Length);
        starts = [.. offsets];
        return sb.ToString();
    }

    // Stand-ins are Latin-1 characters of the same category that none of the pre-tokenizer patterns names
    // explicitly, so only category classes (\p{L}, \s, [^...]) can match them, as they would match the original.
    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => '\u00AA',
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => '\u0300',
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => '\u00A1',
        UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
            or UnicodeCategory.OtherSymbol => '\u00A6',
        _ => '\uE000',
    };
}
