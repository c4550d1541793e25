using Hearth.Templates.Lexing;

namespace Hearth.Templates.Tests.Lexing;

public sealed class LexerTests
{
    private static List<Token> Lex(string source) => Lexer.Tokenize(new SourceText(source));

    [Fact]
    public void Splits_text_and_tags_with_expression_tokens()
    {
        var tokens = Lex("Hi {{ name|upper }}!{% if x >= 1.5 %}y{% endif %}");

        Assert.Equal(
            [TokenKind.Text, TokenKind.VariableBegin, TokenKind.Name, TokenKind.Operator, TokenKind.Name, TokenKind.VariableEnd,
             TokenKind.Text, TokenKind.BlockBegin, TokenKind.Name, TokenKind.Name, TokenKind.Operator, TokenKind.Float, TokenKind.BlockEnd,
             TokenKind.Text, TokenKind.BlockBegin, TokenKind.Name, TokenKind.BlockEnd, TokenKind.Eof],
            tokens.Select(t => t.Kind));
        Assert.Equal(1.5, tokens[11].Literal);
    }

    [Fact]
    public void Tokens_carry_one_based_line_and_column()
    {
        var tokens = Lex("ab\n  {{ x }}");

        var name = tokens.Single(t => t.Kind == TokenKind.Name);
        Assert.Equal((2, 6), (name.Line, name.Column));
        var begin = tokens.Single(t => t.Kind == TokenKind.VariableBegin);
        Assert.Equal((2, 3), (begin.Line, begin.Column));
    }

    [Fact]
    public void String_literals_decode_python_escapes()
    {
        var tokens = Lex(@"{{ 'a\n\t\\\'' ~ ""\u00e9\x41\101\q"" }}");

        var strings = tokens.Where(t => t.Kind == TokenKind.String).Select(t => (string)t.Literal!).ToList();
        Assert.Equal(["a\n\t\\'", "éAA\\q"], strings);
    }

    [Fact]
    public void Operators_match_longest_first_and_integers_after_dot_stay_integers()
    {
        var tokens = Lex("{{ a // b ** c != d.0.1 }}");

        var values = tokens.Where(t => t.Kind is TokenKind.Operator or TokenKind.Integer).Select(t => t.Value).ToList();
        Assert.Equal(["//", "**", "!=", ".", "0", ".", "1"], values);
    }

    [Fact]
    public void Braces_inside_expressions_do_not_close_the_tag()
    {
        var tokens = Lex("{{ {'a': {'b': 1}} }}x");

        Assert.Equal(TokenKind.VariableEnd, tokens[^3].Kind);
        Assert.Equal("x", tokens[^2].Value);
    }

    [Fact]
    public void Trailing_newline_is_dropped_and_crlf_normalized()
    {
        var tokens = Lex("a\r\nb\r\n");

        Assert.Equal("a\nb", tokens[0].Value);
    }

    [Fact]
    public void Block_tags_trim_one_newline_and_strip_their_line_indent()
    {
        var text = string.Concat(Lex("x\n    {% if a %}\n  y\n{% endif %}\nz").Where(t => t.Kind == TokenKind.Text).Select(t => t.Value));

        Assert.Equal("x\n  y\nz", text);
    }

    [Fact]
    public void Raw_blocks_are_text()
    {
        var tokens = Lex("{% raw %}{{ x }}{% endraw %}");

        Assert.Equal("{{ x }}", Assert.Single(tokens, t => t.Kind == TokenKind.Text).Value);
    }

    [Theory]
    [InlineData("{{ x ", 1, 1)]
    [InlineData("a\n{% if x ", 2, 1)]
    [InlineData("{# never closed", 1, 1)]
    [InlineData("{{ 'open }}", 1, 4)]
    [InlineData("{{ x $ y }}", 1, 6)]
    [InlineData("{{ 99999999999999999999 }}", 1, 4)]
    [InlineData("{% raw %}abc", 1, 1)]
    public void Reports_lexical_errors_with_position(string source, int line, int column)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => Lex(source));

        Assert.Equal((line, column), (error.Line, error.Column));
    }
}
