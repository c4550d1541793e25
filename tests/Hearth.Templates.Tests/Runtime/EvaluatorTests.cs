namespace Hearth.Templates.Tests.Runtime;

/// <summary>Behaviour that differs from (or goes beyond) Python Jinja on purpose, and lookups the reference snippets do not cover.</summary>
public sealed class EvaluatorTests
{
    [Fact]
    public void Undefined_prints_empty_is_falsy_iterates_empty_and_chains()
    {
        Assert.Equal("[][0]F", Jinja.Render("[{{ nope }}][{{ nope|length }}]{% for x in nope %}x{% endfor %}{{ 'T' if nope else 'F' }}"));
        Assert.Equal("[]True", Jinja.Render("[{{ nope.a.b[0] }}]{{ nope.a is undefined }}"));
    }

    [Fact]
    public void Undefined_next_to_a_string_concatenates_as_empty()
    {
        Assert.Equal("a-", Jinja.Render("{{ 'a' + '-' + missing }}"));
    }

    [Fact]
    public void Mapping_keys_win_over_method_names_but_calls_still_reach_methods()
    {
        const string vars = """{"schema": {"type": "array", "items": {"type": "string"}}}""";

        Assert.Equal("string", Jinja.Render("{{ schema.items.type }}", vars));
        Assert.Equal("type,items", Jinja.Render("{{ schema.items()|map('first')|join(',') }}", vars));
    }

    [Fact]
    public void Macros_see_namespaces_of_their_defining_scope()
    {
        const string template = "{% set ns = namespace(n=0) %}{% macro bump() %}{% set ns.n = ns.n + 1 %}{% endmacro %}" +
                                "{% for i in range(3) %}{{ bump() }}{% endfor %}{{ ns.n }}";

        Assert.Equal("3", Jinja.Render(template));
    }

    [Fact]
    public void Macro_varargs_and_kwargs_collect_extra_arguments()
    {
        Assert.Equal("1|[2, 3]|{'k': 4}", Jinja.Render("{% macro m(a) %}{{ a }}|{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k=4) }}"));
    }

    [Fact]
    public void Set_inside_a_loop_does_not_leak_out()
    {
        Assert.Equal("outer", Jinja.Render("{% set v = 'outer' %}{% for i in [1] %}{% set v = 'inner' %}{% endfor %}{{ v }}"));
    }

    [Fact]
    public void Strftime_now_uses_the_injected_clock()
    {
        Assert.Equal("26 Jul 2024|2024-07-26 09:05:03|Friday July 7/26/2024|09 AM", Jinja.Render(
            "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %B %-m/%-d/%Y') }}|{{ strftime_now('%I %p') }}"));
    }

    [Fact]
    public void Json_numbers_keep_int_and_float_kinds()
    {
        Assert.Equal("3 3.0 [1, 2.5] {\"a\": 1.0}", Jinja.Render("{{ i }} {{ f }} {{ l }} {{ d|tojson }}", """{"i": 3, "f": 3.0, "l": [1, 2.5], "d": {"a": 1.0}}"""));
    }

    [Fact]
    public void Loop_variables_of_nested_loops_are_independent()
    {
        Assert.Equal("1:1,1:2;2:1,2:2;", Jinja.Render(
            "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [1, 2] %}{{ outer.index }}:{{ loop.index }}{{ ',' if not loop.last }}{% endfor %};{% endfor %}"));
    }

    [Fact]
    public void Generation_blocks_render_their_body()
    {
        Assert.Equal("<a>", Jinja.Render("<{% generation %}a{% endgeneration %}>"));
    }

    [Fact]
    public void Joiner_and_cycler_globals_work()
    {
        Assert.Equal("a, b, c|x y x", Jinja.Render(
            "{% set j = joiner(', ') %}{% for s in ['a', 'b', 'c'] %}{{ j() }}{{ s }}{% endfor %}|" +
            "{% set c = cycler('x', 'y') %}{{ c.next() }} {{ c.next() }} {{ c.next() }}"));
    }
}
