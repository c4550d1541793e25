using Hearth.Templates.Ast;
using Hearth.Templates.Lexing;

namespace Hearth.Templates.Parsing;

/// <summary>
/// Recursive-descent parser from tokens to the AST. Statement tags live here; expressions in
/// Parser.Expressions.cs. Follows Jinja's grammar and operator precedence (jinja2/parser.py).
/// </summary>
internal sealed partial class Parser
{
    private static readonly HashSet<string> Unsupported = ["extends", "include", "import", "from", "block", "autoescape", "with", "trans"];

    private readonly TokenStream _s;
    private int _loopDepth;

    private Parser(TokenStream stream) => _s = stream;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var tokens = Lexer.Tokenize(new SourceText(source));
        var parser = new Parser(new TokenStream(tokens));
        return parser.ParseBody([], out _);
    }

    /// <summary>
    /// Parses statements until a block tag whose name is in <paramref name="endTags"/>; on return the
    /// stream is positioned right after that name (the caller reads the rest of the tag).
    /// </summary>
    private List<Stmt> ParseBody(string[] endTags, out string endTag)
    {
        using var guard = _s.Enter();
        var body = new List<Stmt>();
        while (true)
        {
            var token = _s.Current;
            switch (token.Kind)
            {
                case TokenKind.Text:
                    _s.Advance();
                    body.Add(new TextStmt(token.Value, token.Line, token.Column));
                    break;
                case TokenKind.VariableBegin:
                    _s.Advance();
                    var value = ParseTuple(withConditional: true);
                    _s.Expect(TokenKind.VariableEnd, "'}}'");
                    body.Add(new OutputStmt(value, token.Line, token.Column));
                    break;
                case TokenKind.BlockBegin:
                    _s.Advance();
                    var name = _s.Current;
                    if (name.Kind == TokenKind.Name && endTags.Contains(name.Value))
                    {
                        _s.Advance();
                        endTag = name.Value;
                        return body;
                    }

                    body.Add(ParseStatement(token));
                    break;
                case TokenKind.Eof:
                    if (endTags.Length > 0)
                    {
                        throw _s.Error($"unexpected end of template: expected {string.Join(" or ", endTags.Select(t => "'" + t + "'"))}");
                    }

                    endTag = "";
                    return body;
                default:
                    throw _s.Error($"unexpected {token}");
            }
        }
    }

    private Stmt ParseStatement(Token start)
    {
        var tag = _s.Current;
        if (tag.Kind != TokenKind.Name)
        {
            throw _s.Error($"expected a tag name but found {tag}");
        }

        _s.Advance();
        switch (tag.Value)
        {
            case "if": return ParseIf(start);
            case "for": return ParseFor(start);
            case "set": return ParseSet(start);
            case "macro": return ParseMacro(start);
            case "call": return ParseCallBlock(start);
            case "filter": return ParseFilterBlock(start);
            case "generation":
                _s.Expect(TokenKind.BlockEnd, "'%}'");
                var body = ParseBody(["endgeneration"], out _);
                _s.Expect(TokenKind.BlockEnd, "'%}'");
                return new ScopeStmt(body, start.Line, start.Column);
            case "do":
                var expr = ParseTuple(withConditional: true);
                _s.Expect(TokenKind.BlockEnd, "'%}'");
                return new DoStmt(expr, start.Line, start.Column);
            case "break" or "continue":
                if (_loopDepth == 0)
                {
                    throw TokenStream.Error(tag, $"'{tag.Value}' outside of a loop");
                }

                _s.Expect(TokenKind.BlockEnd, "'%}'");
                return tag.Value == "break" ? new BreakStmt(start.Line, start.Column) : new ContinueStmt(start.Line, start.Column);
            default:
                throw TokenStream.Error(tag, Unsupported.Contains(tag.Value)
                    ? $"the '{tag.Value}' tag is not supported in chat templates"
                    : $"unknown or misplaced tag '{tag.Value}'");
        }
    }

    private IfStmt ParseIf(Token start)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        var condition = ParseTuple(withConditional: true);
        while (true)
        {
            _s.Expect(TokenKind.BlockEnd, "'%}'");
            var body = ParseBody(["elif", "else", "endif"], out var endTag);
            branches.Add((condition, body));
            switch (endTag)
            {
                case "elif":
                    condition = ParseTuple(withConditional: true);
                    continue;
                case "else":
                    _s.Expect(TokenKind.BlockEnd, "'%}'");
                    var elseBody = ParseBody(["endif"], out _);
                    _s.Expect(TokenKind.BlockEnd, "'%}'");
                    return new IfStmt(branches, elseBody, start.Line, start.Column);
                default:
                    _s.Expect(TokenKind.BlockEnd, "'%}'");
                    return new IfStmt(branches, null, start.Line, start.Column);
            }
        }
    }

    private ForStmt ParseFor(Token start)
    {
        var target = ParseAssignTarget(allowAttribute: false);
        if (!_s.SkipName("in"))
        {
            throw _s.Error($"expected 'in' but found {_s.Current}");
        }

        var iterable = ParseTuple(withConditional: false);
        Expr? filter = null;
        if (_s.SkipName("if"))
        {
            filter = ParseExpression();
        }

        if (_s.Current.IsName("recursive"))
        {
            throw _s.Error("recursive loops are not supported");
        }

        _s.Expect(TokenKind.BlockEnd, "'%}'");
        _loopDepth++;
        var body = ParseBody(["else", "endfor"], out var endTag);
        _loopDepth--;
        List<Stmt>? elseBody = null;
        if (endTag == "else")
        {
            _s.Expect(TokenKind.BlockEnd, "'%}'");
            elseBody = ParseBody(["endfor"], out _);
        }

        _s.Expect(TokenKind.BlockEnd, "'%}'");
        return new ForStmt(target, iterable, filter, body, elseBody, start.Line, start.Column);
    }

    private Stmt ParseSet(Token start)
    {
        var target = ParseAssignTarget(allowAttribute: true);
        if (_s.SkipOperator("="))
        {
            var value = ParseTuple(withConditional: true);
            _s.Expect(TokenKind.BlockEnd, "'%}'");
            return new SetStmt(target, value, start.Line, start.Column);
        }

        if (target is TupleTarget)
        {
            throw _s.Error("a block 'set' needs a single name");
        }

        var filters = new List<FilterCall>();
        while (_s.SkipOperator("|"))
        {
            filters.Add(ParseFilterCall());
        }

        _s.Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endset"], out _);
        _s.Expect(TokenKind.BlockEnd, "'%}'");
        return new BlockSetStmt(target, filters, body, start.Line, start.Column);
    }

    private MacroStmt ParseMacro(Token start)
    {
        var name = _s.ExpectName();
        var parameters = ParseSignature();
        _s.Expect(TokenKind.BlockEnd, "'%}'");
        var outerLoops = _loopDepth;
        _loopDepth = 0;
        var body = ParseBody(["endmacro"], out _);
        _loopDepth = outerLoops;
        _s.SkipName(name);
        _s.Expect(TokenKind.BlockEnd, "'%}'");
        return new MacroStmt(name, parameters, body, start.Line, start.Column);
    }

    private List<MacroParameter> ParseSignature()
    {
        var parameters = new List<MacroParameter>();
        _s.ExpectOperator("(");
        while (!_s.Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
            {
                _s.ExpectOperator(",");
                if (_s.Current.IsOperator(")"))
                {
                    break;
                }
            }

            var name = _s.ExpectName();
            Expr? defaultValue = _s.SkipOperator("=") ? ParseExpression() : null;
            parameters.Add(new MacroParameter(name, defaultValue));
        }

        _s.ExpectOperator(")");
        return parameters;
    }

    private CallBlockStmt ParseCallBlock(Token start)
    {
        var callerParameters = _s.Current.IsOperator("(") ? ParseSignature() : [];
        var at = _s.Current;
        if (ParseExpression() is not CallExpr call)
        {
            throw TokenStream.Error(at, "expected a macro call after 'call'");
        }

        _s.Expect(TokenKind.BlockEnd, "'%}'");
        var outerLoops = _loopDepth;
        _loopDepth = 0;
        var body = ParseBody(["endcall"], out _);
        _loopDepth = outerLoops;
        _s.Expect(TokenKind.BlockEnd, "'%}'");
        return new CallBlockStmt(call, callerParameters, body, start.Line, start.Column);
    }

    private FilterBlockStmt ParseFilterBlock(Token start)
    {
        var filters = new List<FilterCall> { ParseFilterCall() };
        while (_s.SkipOperator("|"))
        {
            filters.Add(ParseFilterCall());
        }

        _s.Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endfilter"], out _);
        _s.Expect(TokenKind.BlockEnd, "'%}'");
        return new FilterBlockStmt(filters, body, start.Line, start.Column);
    }

    private Target ParseAssignTarget(bool allowAttribute)
    {
        var first = ParseSingleTarget(allowAttribute);
        if (!_s.Current.IsOperator(","))
        {
            return first;
        }

        var items = new List<Target> { first };
        while (_s.SkipOperator(","))
        {
            if (_s.Current.Kind != TokenKind.Name || _s.Current.IsName("in"))
            {
                break;
            }

            items.Add(ParseSingleTarget(allowAttribute: false));
        }

        return new TupleTarget(items, first.Line, first.Column);
    }

    private Target ParseSingleTarget(bool allowAttribute)
    {
        var token = _s.Current;
        if (_s.SkipOperator("("))
        {
            var inner = ParseAssignTarget(allowAttribute: false);
            _s.ExpectOperator(")");
            return inner;
        }

        var name = _s.ExpectName();
        if (name is "true" or "false" or "none" or "True" or "False" or "None")
        {
            throw TokenStream.Error(token, $"cannot assign to '{name}'");
        }

        if (allowAttribute && _s.SkipOperator("."))
        {
            return new AttributeTarget(name, _s.ExpectName(), token.Line, token.Column);
        }

        return new NameTarget(name, token.Line, token.Column);
    }
}
