using System.Text;
using System.Text.Json.Nodes;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Tests.Sampling;

public class JsonSequenceConstraintTests
{
    private const string Call = """
        {"type":"object","properties":{"name":{"const":"get_weather"},"arguments":{"type":"object","properties":{"city":{"enum":["Paris","Oslo"]}},"required":["city"]}},"required":["name","arguments"]}
        """;

    private static JsonSequenceConstraint Hermes(bool parallel) =>
        new([JsonSequencePart.Json(JsonNode.Parse(Call)!), JsonSequencePart.Text("\n</tool_call>")], parallel ? "\n<tool_call>\n" : null);

    /// <summary>Index of the first byte rejected, or -1; and whether the text is complete.</summary>
    private static (int Rejected, bool Complete) Feed(IJsonConstraint constraint, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!constraint.TryAppend(bytes.AsSpan(i, 1)))
            {
                return (i, false);
            }
        }

        return (-1, constraint.IsComplete);
    }

    [Fact]
    public void A_call_then_its_closing_marker_is_complete()
    {
        Assert.Equal((-1, true), Feed(Hermes(false), "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"));
        Assert.Equal((-1, false), Feed(Hermes(false), "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool"));
    }

    [Fact]
    public void Arguments_outside_the_schema_and_text_after_the_marker_are_rejected()
    {
        Assert.Equal(47, Feed(Hermes(false), "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}").Rejected);
        Assert.Equal(14, Feed(Hermes(false), "{\"name\": \"get_time\"").Rejected);
        var text = "{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>";
        Assert.Equal(text.Length, Feed(Hermes(false), text + "\n").Rejected);
    }

    [Fact]
    public void With_a_separator_a_complete_text_may_go_on_with_another_call()
    {
        var constraint = Hermes(true);
        Assert.True(constraint.ContinuesAfterComplete);
        var one = "{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>";
        Assert.Equal((-1, true), Feed(constraint, one));
        Assert.Equal((-1, false), Feed(constraint, "\n<tool_call>\n{\"name\""));
        Assert.Equal((-1, true), Feed(constraint, ":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}\n</tool_call>"));
        Assert.False(Hermes(false).ContinuesAfterComplete);
    }

    [Fact]
    public void A_number_ends_where_the_next_literal_begins()
    {
        var constraint = new JsonSequenceConstraint([JsonSequencePart.Json(JsonNode.Parse("""{"type":"integer"}""")!), JsonSequencePart.Text("]")]);
        Assert.Equal((-1, true), Feed(constraint, "  42]"));
    }

    [Fact]
    public void Alternatives_follow_every_option_until_only_one_fits()
    {
        JsonSequenceConstraint Named(string name, string schema) =>
            new([JsonSequencePart.Text(name + "\n"), JsonSequencePart.Json(JsonNode.Parse(schema)!)]);
        var both = new JsonAlternativesConstraint([Named("add", """{"type":"integer"}"""), Named("ask", """{"type":"boolean"}""")]);
        Assert.Equal((-1, false), Feed(both, "a"));
        Assert.False(both.Accepts("sk\n1"u8));
        Assert.Equal((-1, true), Feed(both, "dd\n17"));
        Assert.Throws<ArgumentException>(() => JsonSequencePart.Json(JsonNode.Parse("""{"type":"tuple"}""")!));
    }
}
