namespace Hearth.Templates.Lexing;

internal enum TokenKind
{
    /// <summary>Literal template text, already whitespace-controlled.</summary>
    Text,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>One lexical token; <see cref="Literal"/> holds the decoded value of strings and numbers.</summary>
internal readonly record struct Token(TokenKind Kind, string Value, int Line, int Column, object? Literal = null)
{
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Value == op;

    public bool IsName(string name) => Kind == TokenKind.Name && Value == name;

    public override string ToString() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.Text => "template text",
        TokenKind.VariableBegin => "'{{'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockBegin => "'{%'",
        TokenKind.BlockEnd => "'%}'",
        _ => $"'{Value}'",
    };
}
