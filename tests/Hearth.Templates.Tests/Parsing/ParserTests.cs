using Hearth.Templates.Ast;
using Hearth.Templates.Parsing;

namespace Hearth.Templates.Tests.Parsing;

public sealed class ParserTests
{
    [Fact]
    public void Builds_statements_and_precedence_like_jinja()
    {
        var body = Parser.Parse("{{ a + b * c ** 2 ~ 'x' }}");

        var output = Assert.IsType<OutputStmt>(Assert.Single(body));
        var plus = Assert.IsType<BinaryExpr>(output.Value);
        Assert.Equal("+", plus.Op);
        var concat = Assert.IsType<BinaryExpr>(plus.Right);
        Assert.Equal("~", concat.Op);
        var times = Assert.IsType<BinaryExpr>(concat.Left);
        Assert.Equal("*", times.Op);
        Assert.Equal("**", Assert.IsType<BinaryExpr>(times.Right).Op);
    }

    [Fact]
    public void Filters_bind_tighter_than_unary_minus_operand_and_tests_take_bare_arguments()
    {
        var body = Parser.Parse("{{ x|trim|upper }}{{ n is divisibleby 3 }}{{ m is not none }}");

        var filter = Assert.IsType<FilterExpr>(((OutputStmt)body[0]).Value);
        Assert.Equal("upper", filter.Name);
        Assert.Equal("trim", Assert.IsType<FilterExpr>(filter.Value).Name);
        var test = Assert.IsType<TestExpr>(((OutputStmt)body[1]).Value);
        Assert.Equal("divisibleby", test.Name);
        Assert.Single(test.Args.Positional);
        Assert.True(Assert.IsType<TestExpr>(((OutputStmt)body[2]).Value).Negated);
    }

    [Fact]
    public void Parses_for_with_unpacking_filter_and_else()
    {
        var body = Parser.Parse("{% for k, v in d.items() if v %}{{ k }}{% else %}none{% endfor %}");

        var loop = Assert.IsType<ForStmt>(Assert.Single(body));
        Assert.Equal(2, Assert.IsType<TupleTarget>(loop.Target).Items.Count);
        Assert.NotNull(loop.Filter);
        Assert.NotNull(loop.Else);
    }

    [Fact]
    public void Parses_macros_call_blocks_filter_blocks_and_block_set()
    {
        var body = Parser.Parse(
            "{% macro m(a, b=2) %}{{ caller() }}{% endmacro %}{% call m(1) %}x{% endcall %}" +
            "{% filter upper %}y{% endfilter %}{% set s | trim %} z {% endset %}{% set ns.a = 1 %}");

        var macro = Assert.IsType<MacroStmt>(body[0]);
        Assert.Equal(["a", "b"], macro.Parameters.Select(p => p.Name));
        Assert.NotNull(macro.Parameters[1].Default);
        Assert.IsType<CallBlockStmt>(body[1]);
        Assert.IsType<FilterBlockStmt>(body[2]);
        Assert.Single(Assert.IsType<BlockSetStmt>(body[3]).Filters);
        Assert.IsType<AttributeTarget>(Assert.IsType<SetStmt>(body[4]).Target);
    }

    [Theory]
    [InlineData("{% for x in y %}", 1, 17, "endfor")]
    [InlineData("{% if x %}\n{% endfor %}", 2, 4, "misplaced")]
    [InlineData("{% endif %}", 1, 4, "misplaced")]
    [InlineData("{% frobnicate %}", 1, 4, "unknown")]
    [InlineData("{% include 'x' %}", 1, 4, "not supported")]
    [InlineData("{{ 1 + }}", 1, 8, "unexpected")]
    [InlineData("{{ foo( }}", 1, 9, "unexpected '}', expected ')'")]
    [InlineData("{% set = 1 %}", 1, 8, "name")]
    [InlineData("{% set true = 1 %}", 1, 8, "assign")]
    [InlineData("{% break %}", 1, 4, "outside of a loop")]
    [InlineData("{{ a b }}", 1, 6, "'}}'")]
    [InlineData("{% for x y %}{% endfor %}", 1, 10, "'in'")]
    [InlineData("line1\nline2 {{ x[1:2:3:4] }}", 2, 17, "']'")]
    [InlineData("{% macro m(a %}{% endmacro %}", 1, 15, "unexpected '}'")]
    public void Syntax_errors_name_line_column_and_reason(string source, int line, int column, string reasonPart)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(source));

        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
        Assert.Contains($"line {line}, column {column}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_a_syntax_error_not_a_stack_overflow()
    {
        var source = "{{ " + new string('(', 50_000) + "1" + new string(')', 50_000) + " }}";

        var error = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(source));

        Assert.Contains("nests deeper", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_blocks_are_a_syntax_error()
    {
        var source = string.Concat(Enumerable.Repeat("{% if x %}", 5000)) + string.Concat(Enumerable.Repeat("{% endif %}", 5000));

        Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(source));
    }
}
