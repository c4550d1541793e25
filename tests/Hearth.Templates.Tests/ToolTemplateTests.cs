using System.Text.Json.Nodes;
using Hearth.Testing;

namespace Hearth.Templates.Tests;

/// <summary>
/// The shared tool-capable templates rendered with OpenAI-style tools, an assistant turn with tool_calls (arguments as
/// the JSON string clients send) and a tool result: each writes the call in its own format, with the arguments as an
/// object where the template uses tojson and as the client's text where it concatenates it.
/// </summary>
public sealed class ToolTemplateTests
{
    private const string Conversation = """
        [{"role": "system", "content": "Be brief."},
         {"role": "user", "content": "Weather in Paris?"},
         {"role": "assistant", "content": null, "tool_calls": [{"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
         {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "18 C, sunny"}]
        """;

    private const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "description": "Current weather",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
        """;

    [Theory]
    [InlineData("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", "<tool_response>\n18 C, sunny\n</tool_response>")]
    [InlineData("Qwen-Qwen2.5-7B-Instruct", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", "<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"")]
    [InlineData("meta-llama-Llama-3.1-8B-Instruct", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>", "<|start_header_id|>ipython<|end_header_id|>\n\n\"18 C, sunny\"")]
    [InlineData("meta-llama-Llama-3.2-3B-Instruct", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>", "\"name\": \"get_weather\",")]
    [InlineData("meta-llama-Llama-3.3-70B-Instruct", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>", "ipython")]
    [InlineData("mistralai-Mistral-Nemo-Instruct-2407", "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"call12345\"}]</s>", "[AVAILABLE_TOOLS][{\"type\": \"function\"")]
    [InlineData("meetkai-functionary-medium-v3.2", ">>>get_weather\n{\"city\": \"Paris\"}<|eot_id|>", "type get_weather = (_: {\ncity: string,\n}) => any;")]
    [InlineData("fireworks-ai-llama-3-firefunction-v2", " functools[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]", "18 C, sunny")]
    [InlineData("CohereForAI-c4ai-command-r-plus-tool_use", "Action:\n```json\n[\n    {\n        \"tool_name\": \"get_weather\",\n        \"parameters\": {\n", "<results>\n18 C, sunny</results>")]
    public void Tool_calls_and_results_render_in_the_template_format(string template, string call, string other)
    {
        var rendered = ChatTemplate.Parse(File.ReadAllText(SharedData.Path("chat-templates", template + ".jinja"))).Render(new ChatTemplateInput
        {
            Messages = JsonNode.Parse(Conversation)!.AsArray(),
            Tools = JsonNode.Parse(Tools)!.AsArray(),
            BosToken = "<s>",
            EosToken = "</s>",
            Clock = new FixedClock(new DateTimeOffset(2025, 1, 31, 0, 0, 0, TimeSpan.Zero)),
        });

        Assert.Contains(call, rendered, StringComparison.Ordinal);
        Assert.Contains(other, rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_that_are_not_a_json_object_reach_the_template_as_sent()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}{% for c in m.tool_calls %}{{ c.function.arguments | tojson }}{% endfor %}{% endfor %}");
        var messages = JsonNode.Parse("""[{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "not json"}}, {"function": {"name": "g", "arguments": "{\"a\": 1}"}}]}]""")!.AsArray();
        Assert.Equal("\"not json\"{\"a\": 1}", template.Render(new ChatTemplateInput { Messages = messages, AddGenerationPrompt = false }));
        Assert.Equal("not json", (string?)messages[0]!["tool_calls"]![0]!["function"]!["arguments"]);
    }

    [Fact]
    public void Object_arguments_become_text_for_a_template_that_concatenates_them()
    {
        var functionary = ChatTemplate.Parse(File.ReadAllText(SharedData.Path("chat-templates", "meetkai-functionary-medium-v3.2.jinja")));
        var messages = JsonNode.Parse("""
            [{"role": "user", "content": "Weather?"},
             {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}]
            """)!.AsArray();
        var rendered = functionary.Render(new ChatTemplateInput { Messages = messages, Tools = JsonNode.Parse(Tools)!.AsArray(), AddGenerationPrompt = false });
        Assert.Contains(">>>get_weather\n{\"city\":\"Paris\"}<|eot_id|>", rendered, StringComparison.Ordinal);
    }
}
