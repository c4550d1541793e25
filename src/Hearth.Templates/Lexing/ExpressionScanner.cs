using System.Globalization;

namespace Hearth.Templates.Lexing;

/// <summary>Reads the tokens inside a tag: names, numbers, string literals and operators.</summary>
internal sealed class ExpressionScanner(SourceText source, int position)
{
    // Longest first, so "//" wins over "/" and "**" over "*".
    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", "<=", ">=",
        "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";",
    ];

    private readonly string _text = source.Text;

    public int Position { get; private set; } = position;

    public bool AtEnd => Position >= _text.Length;

    public void SkipWhitespace()
    {
        while (Position < _text.Length && char.IsWhiteSpace(_text[Position]))
        {
            Position++;
        }
    }

    /// <param name="afterDot">True right after a '.', where "0.1" must read as two integers (x.0.1 is item access).</param>
    public Token Next(bool afterDot)
    {
        var start = Position;
        var (line, column) = source.Locate(start);
        var c = _text[start];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            var end = start + 1;
            while (end < _text.Length && (char.IsAsciiLetterOrDigit(_text[end]) || _text[end] == '_'))
            {
                end++;
            }

            Position = end;
            return new Token(TokenKind.Name, _text[start..end], line, column);
        }

        if (char.IsAsciiDigit(c))
        {
            return ReadNumber(start, line, column, afterDot);
        }

        if (c is '\'' or '"')
        {
            return ReadString(start, line, column);
        }

        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(_text, start, op, 0, op.Length) == 0)
            {
                Position = start + op.Length;
                return new Token(TokenKind.Operator, op, line, column);
            }
        }

        throw new TemplateSyntaxException($"unexpected character '{c}'", line, column);
    }

    private Token ReadNumber(int start, int line, int column, bool afterDot)
    {
        var end = ReadDigits(start);
        var isFloat = false;
        if (!afterDot && end + 1 < _text.Length && _text[end] == '.' && char.IsAsciiDigit(_text[end + 1]))
        {
            isFloat = true;
            end = ReadDigits(end + 1);
        }

        if (!afterDot && end < _text.Length && (_text[end] is 'e' or 'E'))
        {
            var p = end + 1;
            if (p < _text.Length && _text[p] is '+' or '-')
            {
                p++;
            }

            if (p < _text.Length && char.IsAsciiDigit(_text[p]))
            {
                isFloat = true;
                end = ReadDigits(p);
            }
        }

        Position = end;
        var raw = _text[start..end];
        var digits = raw.Replace("_", "", StringComparison.Ordinal);
        if (isFloat)
        {
            return new Token(TokenKind.Float, raw, line, column, double.Parse(digits, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new TemplateSyntaxException($"integer literal {raw} is too large", line, column);
        }

        return new Token(TokenKind.Integer, raw, line, column, value);
    }

    private int ReadDigits(int p)
    {
        while (p < _text.Length && (char.IsAsciiDigit(_text[p]) || (_text[p] == '_' && p + 1 < _text.Length && char.IsAsciiDigit(_text[p + 1]))))
        {
            p++;
        }

        return p;
    }

    private Token ReadString(int start, int line, int column)
    {
        var quote = _text[start];
        var p = start + 1;
        while (p < _text.Length && _text[p] != quote)
        {
            p += _text[p] == '\\' ? 2 : 1;
        }

        if (p >= _text.Length)
        {
            throw new TemplateSyntaxException("unterminated string literal", line, column);
        }

        Position = p + 1;
        var value = StringLiteral.Unescape(_text.AsSpan(start + 1, p - start - 1));
        return new Token(TokenKind.String, _text[start..Position], line, column, value);
    }
}
