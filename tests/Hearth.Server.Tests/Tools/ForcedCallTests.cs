using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Errors;
using Hearth.Server.Tools;

namespace Hearth.Server.Tests.Tools;

/// <summary>The envelope a forced call is constrained to, per format: what the model must write after the prompt's
/// opening is accepted (and reads back as the call), and calls of another function or with other arguments are not.</summary>
public sealed class ForcedCallTests
{
    private const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
           "properties": {"city": {"$ref": "#/$defs/City"}, "celsius": {"type": "boolean"}}, "required": ["city", "celsius"],
           "$defs": {"City": {"enum": ["Paris", "Oslo"]}}}}},
         {"type": "function", "function": {"name": "get_time"}}]
        """;

    public static TheoryData<string, string> Envelopes() => new()
    {
        { "hermes", "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"celsius\": true}}\n</tool_call>" },
        { "llama3", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\", \"celsius\": true}}" },
        { "mistral", "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"celsius\": true}}]" },
        { "firefunction", "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"celsius\": true}}]" },
        { "command-r", "[{\"tool_name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\", \"celsius\": true}}]\n```" },
        { "functionary-v3.2", "get_weather\n{\"city\": \"Oslo\", \"celsius\": true}" },
        { "generic", "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"celsius\": true}}]}" },
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void A_valid_call_completes_the_envelope_and_reads_back(string format, string text)
    {
        var tools = ToolOptions.From(JsonNode.Parse(Tools), JsonValue.Create("required"), parallel: false)!;
        var f = Format(format, tools);
        var forced = f.Force(tools);
        var constraint = forced.Constraint();
        Assert.True(constraint.TryAppend(Encoding.UTF8.GetBytes(text)), text);
        Assert.True(constraint.IsComplete);

        var call = Assert.Single(f.Parse(forced.PromptSuffix + text, partial: false).Calls);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Oslo", (string?)JsonNode.Parse(call.Arguments)!["city"]);
    }

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void Arguments_outside_the_schema_and_other_functions_are_refused(string format, string text)
    {
        var named = ToolOptions.From(JsonNode.Parse(Tools), JsonNode.Parse("""{"type": "function", "function": {"name": "get_weather"}}"""), parallel: false)!;
        var constraint = Format(format, named).Force(named).Constraint();
        Assert.False(constraint.Accepts(Encoding.UTF8.GetBytes(text.Replace("Oslo", "Rome", StringComparison.Ordinal))));
        Assert.False(constraint.Accepts(Encoding.UTF8.GetBytes(text.Replace("get_weather", "get_time", StringComparison.Ordinal))));
    }

    [Fact]
    public void Parallel_calls_may_follow_a_complete_one()
    {
        var tools = ToolOptions.From(JsonNode.Parse(Tools), JsonValue.Create("required"), parallel: true)!;
        var constraint = new HermesFormat().Force(tools).Constraint();
        var one = "{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";
        Assert.True(constraint.TryAppend(Encoding.UTF8.GetBytes(one)));
        Assert.True(constraint.IsComplete);
        Assert.True(constraint.TryAppend(Encoding.UTF8.GetBytes("\n<tool_call>\n" + one)));
        Assert.True(constraint.IsComplete);
    }

    [Theory]
    [InlineData("""[{"type": "function", "function": {"name": "f", "parameters": {"type": "tuple"}}}]""", null, "tools[0].function.parameters")]
    [InlineData("""[{"type": "function", "function": {"name": "f", "parameters": {"$ref": "https://example.org/s.json"}}}]""", null, "tools[0].function.parameters")]
    [InlineData("""[{"type": "function", "function": {"name": "bad name"}}]""", null, "tools[0].function.name")]
    [InlineData("""[{"type": "function", "function": {"name": "f"}}]""", "\"sometimes\"", "tool_choice")]
    [InlineData("""[{"type": "function", "function": {"name": "f"}}]""", """{"type": "function", "function": {"name": "g"}}""", "tool_choice.function.name")]
    [InlineData("""{"name": "f"}""", null, "tools")]
    public void Unusable_tools_are_a_400_naming_the_field(string tools, string? choice, string param)
    {
        var e = Assert.Throws<ApiException>(() => ToolOptions.From(JsonNode.Parse(tools), choice is null ? null : JsonNode.Parse(choice), null));
        Assert.Equal(400, e.Status);
        Assert.Equal(param, e.Param);
    }

    private static ToolCallFormat Format(string name, ToolOptions tools) => name switch
    {
        "hermes" => new HermesFormat(),
        "llama3" => new Llama3Format(),
        "mistral" => new MistralFormat(),
        "firefunction" => new FirefunctionFormat(),
        "command-r" => new CommandRFormat(),
        "functionary-v3.2" => new FunctionaryFormat(tools.Functions),
        _ => new GenericFormat(describesTools: false),
    };
}
