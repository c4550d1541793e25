using System.Runtime.CompilerServices;
using Hearth.Templates.Lexing;

namespace Hearth.Templates.Parsing;

/// <summary>Cursor over the lexer's tokens with expectation helpers that raise positioned syntax errors.</summary>
internal sealed class TokenStream(List<Token> tokens)
{
    // Nesting bound for the recursive-descent parser: deeper input is rejected with a syntax error
    // instead of risking a stack overflow (real chat templates nest fewer than 20 levels).
    private const int MaxDepth = 200;

    private int _index;
    private int _depth;

    public Token Current => tokens[_index];

    public Token Peek(int ahead = 1) => tokens[Math.Min(_index + ahead, tokens.Count - 1)];

    public Token Advance()
    {
        var token = tokens[_index];
        if (_index < tokens.Count - 1)
        {
            _index++;
        }

        return token;
    }

    public bool SkipOperator(string op)
    {
        if (Current.IsOperator(op))
        {
            Advance();
            return true;
        }

        return false;
    }

    public bool SkipName(string name)
    {
        if (Current.IsName(name))
        {
            Advance();
            return true;
        }

        return false;
    }

    public Token ExpectOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            throw Error($"expected '{op}' but found {Current}");
        }

        return Advance();
    }

    public Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Error($"expected {what} but found {Current}");
        }

        return Advance();
    }

    public string ExpectName()
    {
        return Expect(TokenKind.Name, "a name").Value;
    }

    public TemplateSyntaxException Error(string reason) => Error(Current, reason);

    public static TemplateSyntaxException Error(Token at, string reason) => new(reason, at.Line, at.Column);

    /// <summary>Marks entry into one more nesting level; dispose to leave it.</summary>
    public DepthGuard Enter()
    {
        if (++_depth > MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            _depth--;
            throw Error($"template nests deeper than {MaxDepth} levels");
        }

        return new DepthGuard(this);
    }

    internal readonly struct DepthGuard(TokenStream stream) : IDisposable
    {
        public void Dispose() => stream._depth--;
    }
}
