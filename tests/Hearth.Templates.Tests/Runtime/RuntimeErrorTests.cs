using Hearth.Templates.Runtime;

namespace Hearth.Templates.Tests.Runtime;

public sealed class RuntimeErrorTests
{
    private static TemplateRuntimeException Fails(string template, string vars = "{}", RenderBudget? budget = null) =>
        Assert.Throws<TemplateRuntimeException>(() => Jinja.Render(template, vars, budget));

    [Fact]
    public void Raise_exception_carries_the_template_message_and_position()
    {
        var error = Fails("ok\n  {{ raise_exception('Roles must alternate') }}");

        Assert.True(error.RaisedByTemplate);
        Assert.Equal("Roles must alternate", error.Reason);
        Assert.Equal(2, error.Line);
    }

    [Theory]
    [InlineData("{{ 'a' + 1 }}", "unsupported operand")]
    [InlineData("{{ 1 / 0 }}", "division by zero")]
    [InlineData("{{ 5 // 0 }}", "division")]
    [InlineData("{{ nope() }}", "'nope' is undefined")]
    [InlineData("{{ 3() }}", "not callable")]
    [InlineData("{{ x|frobnicate }}", "unknown filter")]
    [InlineData("{{ x is frobnicated }}", "unknown test")]
    [InlineData("{% set x = 1 %}{% set x.a = 2 %}", "not a namespace")]
    [InlineData("{% for a, b in [1, 2] %}{% endfor %}", "unpack")]
    [InlineData("{{ 1 < 'a' }}", "not supported between")]
    [InlineData("{{ 9223372036854775807 + 1 }}", "overflow")]
    [InlineData("{{ 2 ** 100 }}", "overflow")]
    [InlineData("{{ 'abc'.nosuch() }}", "undefined")]
    [InlineData("{{ [].pop() }}", "empty list")]
    [InlineData("{{ range(1, 2, 0) }}", "must not be zero")]
    [InlineData("{{ 'x'[::0] }}", "step cannot be zero")]
    [InlineData("{{ 5 in 7 }}", "not iterable")]
    public void Invalid_operations_fail_with_a_clear_reason(string template, string reasonPart)
    {
        var error = Fails(template);

        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
        Assert.False(error.RaisedByTemplate);
        Assert.True(error.Line >= 1 && error.Column >= 1);
    }

    [Fact]
    public void Errors_point_at_the_failing_expression()
    {
        var error = Fails("line one\n{% if true %}\n   {{ 1 + 'x' }}\n{% endif %}");

        Assert.Equal((3, 9), (error.Line, error.Column));
    }

    [Fact]
    public void Loop_iterations_are_bounded()
    {
        var error = Fails("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}");

        Assert.Contains("iteration limit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Runaway_macro_recursion_is_bounded()
    {
        var error = Fails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");

        Assert.Contains("recursion", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_size_is_bounded()
    {
        var error = Fails("{% for i in range(1000) %}{{ 'x' * 100000 }}{% endfor %}", budget: new RenderBudget { MaxOutputChars = 1_000_000 });

        Assert.Contains("exceeds the limit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Doubling_a_string_hits_the_string_limit()
    {
        var error = Fails("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}");

        Assert.Contains("exceeds the limit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Growing_a_list_without_end_hits_the_list_limit()
    {
        var error = Fails("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}");

        Assert.Contains("list of", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_containing_itself_fails_to_print_instead_of_overflowing_the_stack()
    {
        var error = Fails("{% set l = [] %}{% do l.append(l) %}{{ l }}");

        Assert.Contains("recursive", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_repetition_is_refused_before_allocating()
    {
        var error = Fails("{{ 'x' * 10000000000 }}");

        Assert.Contains("exceeds the limit", error.Reason, StringComparison.Ordinal);
    }
}
