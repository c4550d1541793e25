using Hearth.Templates.Ast;
using Hearth.Templates.Lexing;

namespace Hearth.Templates.Parsing;

/// <summary>
/// Expressions, lowest precedence first: conditional, or, and, not, comparisons, + -, ~, * / // %,
/// ** (left-associative, as in Jinja), unary - +, then primaries with postfix (. [] ()) and filters/tests.
/// </summary>
internal sealed partial class Parser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>An expression, or a tuple when commas separate several (<c>{{ a, b }}</c>, <c>set x = 1, 2</c>).</summary>
    private Expr ParseTuple(bool withConditional)
    {
        var first = _s.Current;
        var item = withConditional ? ParseExpression() : ParseOr();
        if (!_s.Current.IsOperator(","))
        {
            return item;
        }

        var items = new List<Expr> { item };
        while (_s.SkipOperator(","))
        {
            if (IsTupleEnd())
            {
                break;
            }

            items.Add(withConditional ? ParseExpression() : ParseOr());
        }

        return new TupleExpr(items, first.Line, first.Column);
    }

    private bool IsTupleEnd()
    {
        var t = _s.Current;
        return t.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.Eof
            || t.IsOperator(")") || t.IsOperator("]") || t.IsOperator("}") || t.IsName("if");
    }

    private Expr ParseExpression()
    {
        using var guard = _s.Enter();
        var expr = ParseOr();
        while (_s.Current.IsName("if"))
        {
            var token = _s.Advance();
            var condition = ParseOr();
            var otherwise = _s.SkipName("else") ? ParseExpression() : null;
            expr = new ConditionalExpr(condition, expr, otherwise, token.Line, token.Column);
        }

        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (_s.Current.IsName("or"))
        {
            var token = _s.Advance();
            left = new BinaryExpr("or", left, ParseAnd(), token.Line, token.Column);
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (_s.Current.IsName("and"))
        {
            var token = _s.Advance();
            left = new BinaryExpr("and", left, ParseNot(), token.Line, token.Column);
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (_s.Current.IsName("not"))
        {
            using var guard = _s.Enter();
            var token = _s.Advance();
            return new UnaryExpr("not", ParseNot(), token.Line, token.Column);
        }

        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var t = _s.Current;
            string op;
            if (t.Kind == TokenKind.Operator && CompareOperators.Contains(t.Value))
            {
                op = t.Value;
                _s.Advance();
            }
            else if (t.IsName("in"))
            {
                op = "in";
                _s.Advance();
            }
            else if (t.IsName("not") && _s.Peek().IsName("in"))
            {
                op = "notin";
                _s.Advance();
                _s.Advance();
            }
            else
            {
                break;
            }

            rest.Add((op, ParseMath1()));
        }

        return rest.Count == 0 ? first : new CompareExpr(first, rest, first.Line, first.Column);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (_s.Current.IsOperator("+") || _s.Current.IsOperator("-"))
        {
            var token = _s.Advance();
            left = new BinaryExpr(token.Value, left, ParseConcat(), token.Line, token.Column);
        }

        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMath2();
        while (_s.Current.IsOperator("~"))
        {
            var token = _s.Advance();
            left = new BinaryExpr("~", left, ParseMath2(), token.Line, token.Column);
        }

        return left;
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (_s.Current.Kind == TokenKind.Operator && _s.Current.Value is "*" or "/" or "//" or "%")
        {
            var token = _s.Advance();
            left = new BinaryExpr(token.Value, left, ParsePow(), token.Line, token.Column);
        }

        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (_s.Current.IsOperator("**"))
        {
            var token = _s.Advance();
            left = new BinaryExpr("**", left, ParseUnary(withFilter: true), token.Line, token.Column);
        }

        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        using var guard = _s.Enter();
        var token = _s.Current;
        Expr node;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            _s.Advance();
            node = new UnaryExpr(token.Value, ParseUnary(withFilter: false), token.Line, token.Column);
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilter ? ParseFilterExpr(node) : node;
    }

    private Expr ParsePrimary()
    {
        var token = _s.Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                _s.Advance();
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, token.Line, token.Column),
                    "false" or "False" => new LiteralExpr(false, token.Line, token.Column),
                    "none" or "None" => new LiteralExpr(null, token.Line, token.Column),
                    _ => new NameExpr(token.Value, token.Line, token.Column),
                };
            case TokenKind.String:
                var text = (string)token.Literal!;
                _s.Advance();
                while (_s.Current.Kind == TokenKind.String)
                {
                    text += (string)_s.Advance().Literal!;
                }

                return new LiteralExpr(text, token.Line, token.Column);
            case TokenKind.Integer or TokenKind.Float:
                _s.Advance();
                return new LiteralExpr(token.Literal, token.Line, token.Column);
            case TokenKind.Operator when token.Value == "(":
                _s.Advance();
                if (_s.SkipOperator(")"))
                {
                    return new TupleExpr([], token.Line, token.Column);
                }

                var inner = ParseTuple(withConditional: true);
                _s.ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                _s.Advance();
                return new ListExpr(ParseItems("]"), token.Line, token.Column);
            case TokenKind.Operator when token.Value == "{":
                _s.Advance();
                return ParseDict(token);
            default:
                throw _s.Error($"unexpected {token}");
        }
    }

    private List<Expr> ParseItems(string close)
    {
        var items = new List<Expr>();
        while (!_s.SkipOperator(close))
        {
            if (items.Count > 0)
            {
                _s.ExpectOperator(",");
                if (_s.SkipOperator(close))
                {
                    break;
                }
            }

            items.Add(ParseExpression());
        }

        return items;
    }

    private DictExpr ParseDict(Token start)
    {
        var pairs = new List<(Expr, Expr)>();
        while (!_s.SkipOperator("}"))
        {
            if (pairs.Count > 0)
            {
                _s.ExpectOperator(",");
                if (_s.SkipOperator("}"))
                {
                    break;
                }
            }

            var key = ParseExpression();
            _s.ExpectOperator(":");
            pairs.Add((key, ParseExpression()));
        }

        return new DictExpr(pairs, start.Line, start.Column);
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = _s.Current;
            if (token.IsOperator("."))
            {
                _s.Advance();
                var attr = _s.Current;
                if (attr.Kind == TokenKind.Integer)
                {
                    _s.Advance();
                    node = new IndexExpr(node, new LiteralExpr(attr.Literal, attr.Line, attr.Column), token.Line, token.Column);
                }
                else
                {
                    node = new AttributeExpr(node, _s.ExpectName(), token.Line, token.Column);
                }
            }
            else if (token.IsOperator("["))
            {
                _s.Advance();
                node = ParseSubscript(node, token);
            }
            else if (token.IsOperator("("))
            {
                _s.Advance();
                node = new CallExpr(node, ParseCallArguments(), token.Line, token.Column);
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr target, Token start)
    {
        Expr? first = null;
        if (!_s.Current.IsOperator(":"))
        {
            first = ParseExpression();
            if (_s.SkipOperator("]"))
            {
                return new IndexExpr(target, first, start.Line, start.Column);
            }
        }

        _s.ExpectOperator(":");
        Expr? stop = null;
        Expr? step = null;
        if (!_s.Current.IsOperator("]") && !_s.Current.IsOperator(":"))
        {
            stop = ParseExpression();
        }

        if (_s.SkipOperator(":") && !_s.Current.IsOperator("]"))
        {
            step = ParseExpression();
        }

        _s.ExpectOperator("]");
        return new SliceExpr(target, first, stop, step, start.Line, start.Column);
    }

    /// <summary>Call arguments after '(' up to and including ')': positional first, then name=value.</summary>
    private Arguments ParseCallArguments()
    {
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!_s.SkipOperator(")"))
        {
            if (positional.Count + named.Count > 0)
            {
                _s.ExpectOperator(",");
                if (_s.SkipOperator(")"))
                {
                    break;
                }
            }

            if (_s.Current.Kind == TokenKind.Name && _s.Peek().IsOperator("="))
            {
                var name = _s.Advance().Value;
                _s.Advance();
                named.Add((name, ParseExpression()));
            }
            else
            {
                if (named.Count > 0)
                {
                    throw _s.Error("positional argument after keyword argument");
                }

                positional.Add(ParseExpression());
            }
        }

        return new Arguments(positional, named);
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            var token = _s.Current;
            if (token.IsOperator("|"))
            {
                _s.Advance();
                var filter = ParseFilterCall();
                node = new FilterExpr(node, filter.Name, filter.Args, filter.Line, filter.Column);
            }
            else if (token.IsName("is"))
            {
                _s.Advance();
                node = ParseTest(node, token);
            }
            else if (token.IsOperator("("))
            {
                _s.Advance();
                node = new CallExpr(node, ParseCallArguments(), token.Line, token.Column);
            }
            else
            {
                return node;
            }
        }
    }

    private FilterCall ParseFilterCall()
    {
        var token = _s.Current;
        var name = _s.ExpectName();
        while (_s.SkipOperator("."))
        {
            name += "." + _s.ExpectName();
        }

        var args = _s.SkipOperator("(") ? ParseCallArguments() : Arguments.Empty;
        return new FilterCall(name, args, token.Line, token.Column);
    }

    private TestExpr ParseTest(Expr value, Token isToken)
    {
        var negated = _s.SkipName("not");
        var nameToken = _s.Current;
        var name = _s.ExpectName();
        var args = Arguments.Empty;
        if (_s.SkipOperator("("))
        {
            args = ParseCallArguments();
        }
        else if (StartsTestArgument(_s.Current))
        {
            var arg = ParsePostfix(ParsePrimary());
            args = new Arguments([arg], []);
        }

        return new TestExpr(value, name, args, negated, nameToken.Line, nameToken.Column);
    }

    /// <summary>Jinja lets a test take one argument without parentheses: <c>x is divisibleby 3</c>, <c>x is sameas false</c>.</summary>
    private static bool StartsTestArgument(Token t) => t.Kind switch
    {
        TokenKind.Name => t.Value is not ("else" or "or" or "and" or "if" or "is" or "in" or "not"),
        TokenKind.String or TokenKind.Integer or TokenKind.Float => true,
        TokenKind.Operator => t.Value is "[" or "{",
        _ => false,
    };
}
