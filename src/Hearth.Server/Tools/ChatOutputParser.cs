namespace Hearth.Server.Tools;

/// <summary>An assistant turn read from generated text: reasoning, content (null when empty next to calls), calls.</summary>
internal sealed record ChatOutput(string Reasoning, string Content, IReadOnlyList<ParsedToolCall> Calls);

/// <summary>
/// Reads generated text back into an assistant turn: the <c>&lt;think&gt;…&lt;/think&gt;</c> block (when split) and
/// then the tool calls of the format (when tools are in play). Works on the whole text so far, also while it is
/// still growing (<c>partial</c>), which is how streaming finds what is new (<see cref="ChatStream"/>).
/// </summary>
internal sealed class ChatOutputParser(ToolCallFormat? format, bool splitReasoning, bool startsInReasoning, string forcedPrefix)
{
    private const string ThinkOpen = "<think>";
    private const string ThinkClose = "</think>";

    public ToolCallFormat? Format => format;

    public bool StartsInReasoning => startsInReasoning;

    /// <summary>No parsing at all: the text is the content, as it was before tools existed.</summary>
    public bool IsPlain => format is null && !splitReasoning;

    public ChatOutput Parse(string generated, bool partial)
    {
        var text = forcedPrefix + generated;
        var (reasoning, rest) = splitReasoning ? SplitReasoning(text, partial) : (string.Empty, text);
        if (format is null)
        {
            return new ChatOutput(reasoning, rest, []);
        }

        var parse = format.Parse(rest, partial);

        // Trimmed content of a growing text only grows, so streamed deltas stay valid.
        return new ChatOutput(reasoning, parse.Content.Trim(), parse.Calls);
    }

    private (string Reasoning, string Remainder) SplitReasoning(string text, bool partial)
    {
        var start = 0;
        if (!startsInReasoning)
        {
            var at = PartialJson.SkipWhitespace(text, 0);
            if (text.AsSpan(at).StartsWith(ThinkOpen, StringComparison.Ordinal))
            {
                start = at + ThinkOpen.Length;
            }
            else if (partial && ThinkOpen.StartsWith(text[at..], StringComparison.Ordinal))
            {
                return (string.Empty, string.Empty);
            }
            else
            {
                return (string.Empty, text);
            }
        }

        var close = text.IndexOf(ThinkClose, start, StringComparison.Ordinal);
        if (close < 0)
        {
            return (ToolText.HoldBack(text[start..], ThinkClose, partial).Trim(), string.Empty);
        }

        var rest = text[(close + ThinkClose.Length)..];
        return (text[start..close].Trim(), format is null ? rest.TrimStart() : rest);
    }

    /// <summary>Whether a rendered prompt leaves the model inside a think block (DeepSeek R1's template ends with
    /// <c>&lt;think&gt;\n</c>), so its text starts as reasoning without the opening tag.</summary>
    public static bool EndsInsideThink(string prompt)
    {
        var open = prompt.LastIndexOf(ThinkOpen, StringComparison.Ordinal);
        return open >= 0 && prompt.IndexOf(ThinkClose, open, StringComparison.Ordinal) < 0 && prompt[(open + ThinkOpen.Length)..].Trim().Length == 0;
    }
}
