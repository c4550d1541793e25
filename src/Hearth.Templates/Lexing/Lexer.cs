namespace Hearth.Templates.Lexing;

/// <summary>
/// Splits a template into text and tag tokens, applying Jinja's whitespace control exactly as the
/// reference renderers configure it: trim_blocks and lstrip_blocks ON (HF transformers' chat-template
/// environment and llama.cpp both set them), plus the explicit <c>-</c> / <c>+</c> modifiers.
/// </summary>
internal sealed class Lexer
{
    private readonly SourceText _source;
    private readonly string _text;
    private readonly List<Token> _tokens = [];
    private int _pos;

    // Jinja's lstrip_blocks only applies when the tag starts a line: either a newline precedes it in
    // the text, or the previous token's match ended with a newline (or we are at the template start).
    private bool _lineStarting = true;

    private Lexer(SourceText source)
    {
        _source = source;
        _text = source.Text;
    }

    public static List<Token> Tokenize(SourceText source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_pos < _text.Length)
        {
            var tagStart = FindTagStart(_pos);
            if (tagStart < 0)
            {
                AddText(_pos, _text[_pos..]);
                _pos = _text.Length;
                break;
            }

            var kind = _text[tagStart + 1];
            var modifier = tagStart + 2 < _text.Length ? _text[tagStart + 2] : '\0';
            var hasModifier = modifier is '-' or '+';
            var text = _text[_pos..tagStart];
            if (modifier == '-')
            {
                text = text.TrimEnd(PythonWhitespace);
            }
            else if (kind != '{' && modifier != '+')
            {
                text = LeftStripBlock(text);
            }

            AddText(_pos, text);
            var inner = tagStart + 2 + (hasModifier ? 1 : 0);
            switch (kind)
            {
                case '#':
                    LexComment(tagStart, inner);
                    break;
                case '%' when IsRawBlock(inner, out var rawBodyStart):
                    LexRaw(tagStart, rawBodyStart);
                    break;
                case '%':
                    LexTag(tagStart, inner, TokenKind.BlockBegin, TokenKind.BlockEnd);
                    break;
                default:
                    LexTag(tagStart, inner, TokenKind.VariableBegin, TokenKind.VariableEnd);
                    break;
            }
        }

        var (line, column) = _source.Locate(_text.Length);
        _tokens.Add(new Token(TokenKind.Eof, "", line, column));
    }

    /// <summary>Python's str.strip() whitespace set (ASCII part), used by the '-' modifiers.</summary>
    internal static readonly char[] PythonWhitespace = [' ', '\t', '\n', '\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\u00a0', '\u2028', '\u2029', '\u3000'];

    private int FindTagStart(int from)
    {
        for (var i = _text.IndexOf('{', from); i >= 0 && i + 1 < _text.Length; i = _text.IndexOf('{', i + 1))
        {
            if (_text[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private string LeftStripBlock(string text)
    {
        var lineStart = text.LastIndexOf('\n') + 1;
        if ((lineStart > 0 || _lineStarting) && lineStart < text.Length && IsAllWhitespace(text, lineStart))
        {
            return text[..lineStart];
        }

        return text;
    }

    private static bool IsAllWhitespace(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private void AddText(int position, string text)
    {
        if (text.Length > 0)
        {
            var (line, column) = _source.Locate(position);
            _tokens.Add(new Token(TokenKind.Text, text, line, column));
        }
    }

    private void LexComment(int tagStart, int inner)
    {
        var end = _text.IndexOf("#}", inner, StringComparison.Ordinal);
        if (end < 0)
        {
            throw _source.Error(tagStart, "unclosed comment: missing '#}'");
        }

        var modifier = end > inner ? _text[end - 1] : '\0';
        FinishTag(end + 2, modifier, isBlock: true);
    }

    /// <summary>After a tag: '-' eats all following whitespace, otherwise trim_blocks eats one newline after block tags.</summary>
    private void FinishTag(int afterTag, char rightModifier, bool isBlock)
    {
        var p = afterTag;
        if (rightModifier == '-')
        {
            while (p < _text.Length && char.IsWhiteSpace(_text[p]))
            {
                p++;
            }
        }
        else if (isBlock && rightModifier != '+' && p < _text.Length && _text[p] == '\n')
        {
            p++;
        }

        _lineStarting = p > afterTag && _text[p - 1] == '\n';
        _pos = p;
    }

    private void LexTag(int tagStart, int inner, TokenKind begin, TokenKind end)
    {
        var (line, column) = _source.Locate(tagStart);
        _tokens.Add(new Token(begin, begin == TokenKind.BlockBegin ? "{%" : "{{", line, column));
        var scanner = new ExpressionScanner(_source, inner);
        var isBlock = begin == TokenKind.BlockBegin;
        var open = new Stack<string>();
        while (true)
        {
            scanner.SkipWhitespace();
            if (scanner.AtEnd)
            {
                throw _source.Error(tagStart, isBlock ? "unclosed block tag: missing '%}'" : "unclosed expression: missing '}}'");
            }

            if (open.Count == 0 && TryTagEnd(scanner.Position, isBlock, out var modifier, out var afterTag))
            {
                var (endLine, endColumn) = _source.Locate(scanner.Position);
                _tokens.Add(new Token(end, isBlock ? "%}" : "}}", endLine, endColumn));
                FinishTag(afterTag, modifier, isBlock);
                return;
            }

            var token = scanner.Next(_tokens.Count > 0 && _tokens[^1].IsOperator("."));
            if (token.Kind == TokenKind.Operator)
            {
                // Like Jinja, a tag end inside open brackets is not an end: `{{ {'a': {'b': 1}} }}`.
                switch (token.Value)
                {
                    case "(": open.Push(")"); break;
                    case "[": open.Push("]"); break;
                    case "{": open.Push("}"); break;
                    case ")" or "]" or "}":
                        if (open.Count == 0 || open.Peek() != token.Value)
                        {
                            var expected = open.Count == 0 ? "" : $", expected '{open.Peek()}'";
                            throw new TemplateSyntaxException($"unexpected '{token.Value}'{expected}", token.Line, token.Column);
                        }

                        open.Pop();
                        break;
                }
            }

            _tokens.Add(token);
        }
    }

    private bool TryTagEnd(int p, bool isBlock, out char modifier, out int afterTag)
    {
        var close = isBlock ? "%}" : "}}";
        modifier = '\0';
        afterTag = 0;
        if (string.CompareOrdinal(_text, p, close, 0, 2) == 0)
        {
            afterTag = p + 2;
            return true;
        }

        var c = _text[p];
        if ((c == '-' || (isBlock && c == '+')) && string.CompareOrdinal(_text, p + 1, close, 0, 2) == 0)
        {
            modifier = c;
            afterTag = p + 3;
            return true;
        }

        return false;
    }

    private bool IsRawBlock(int inner, out int bodyStart)
    {
        bodyStart = 0;
        var p = SkipSpaces(inner);
        if (string.CompareOrdinal(_text, p, "raw", 0, 3) != 0)
        {
            return false;
        }

        p = SkipSpaces(p + 3);
        if (!TryTagEnd(p, isBlock: true, out var modifier, out var afterTag))
        {
            return false;
        }

        FinishTag(afterTag, modifier, isBlock: true);
        bodyStart = _pos;
        return true;
    }

    private void LexRaw(int tagStart, int bodyStart)
    {
        for (var search = bodyStart; ;)
        {
            var open = _text.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0)
            {
                throw _source.Error(tagStart, "unclosed raw block: missing '{% endraw %}'");
            }

            var p = open + 2;
            var leftModifier = p < _text.Length && _text[p] is '-' or '+' ? _text[p++] : '\0';
            p = SkipSpaces(p);
            if (string.CompareOrdinal(_text, p, "endraw", 0, 6) == 0)
            {
                p = SkipSpaces(p + 6);
                if (TryTagEnd(p, isBlock: true, out var modifier, out var afterTag))
                {
                    var body = _text[bodyStart..open];
                    if (leftModifier == '-')
                    {
                        body = body.TrimEnd(PythonWhitespace);
                    }

                    AddText(bodyStart, body);
                    FinishTag(afterTag, modifier, isBlock: true);
                    return;
                }
            }

            search = open + 2;
        }
    }

    private int SkipSpaces(int p)
    {
        while (p < _text.Length && char.IsWhiteSpace(_text[p]))
        {
            p++;
        }

        return p;
    }
}
